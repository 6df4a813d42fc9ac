//! The dictionary false-positive corpus: every entry of real word lists that ship in packages
//! (Debian dictionaries in ten languages, world city and country names, surnames), alone and
//! inside an ordinary sentence, through the built-in policy. Every entry that is still flagged
//! must be listed, with the reason, in `tests/corpus/reviewed_flags.txt` (a genuinely offensive
//! word); anything else is a defect of the engine or the lists. A listed entry that is no longer
//! flagged fails too, so the file stays true.
//!
//! The lists are fetched by `scripts/wordlists.sh` (run by `./scripts/test-all`) into
//! `.wordlists/lists/`, or the folder named by `IVSCHAT_WORDLISTS_DIR`. Without them this test
//! fails, naming the command; set `IVSCHAT_SKIP_WORDLISTS=1` to skip it on purpose.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ivschat_moderation::{MessageContext, PolicySet, Verdict};

const LISTS_DIR_ENV: &str = "IVSCHAT_WORDLISTS_DIR";
const SKIP_ENV: &str = "IVSCHAT_SKIP_WORDLISTS";
const REVIEWED: &str = include_str!("corpus/reviewed_flags.txt");

/// (file stem in the lists folder, built-in profile it is reviewed with, sentence with `{}`)
const LISTS: &[(&str, &str, &str)] = &[
    (
        "en-american",
        "multilingual",
        "I looked up {} in the dictionary today.",
    ),
    (
        "en-british",
        "multilingual",
        "I looked up {} in the dictionary today.",
    ),
    (
        "de-ngerman",
        "de",
        "Ich habe {} heute im Wörterbuch gefunden.",
    ),
    ("es-spanish", "es", "Hoy busqué {} en el diccionario."),
    (
        "fr-french",
        "fr",
        "J'ai cherché {} dans le dictionnaire aujourd'hui.",
    ),
    ("pt-portuguese", "pt", "Hoje procurei {} no dicionário."),
    ("pt-brazilian", "pt", "Hoje procurei {} no dicionário."),
    (
        "it-italian",
        "multilingual",
        "Oggi ho cercato {} nel dizionario.",
    ),
    (
        "nl-dutch",
        "multilingual",
        "Ik heb {} vandaag in het woordenboek opgezocht.",
    ),
    (
        "pl-polish",
        "multilingual",
        "Dzisiaj sprawdziłem {} w słowniku.",
    ),
    (
        "places-cities",
        "multilingual",
        "We are streaming from {} tonight.",
    ),
    (
        "places-countries",
        "multilingual",
        "We are streaming from {} tonight.",
    ),
    (
        "surnames-us-census",
        "multilingual",
        "Thanks for the follow, {} family!",
    ),
    (
        "surnames-faker",
        "multilingual",
        "Thanks for the follow, {} family!",
    ),
];

fn lists_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os(LISTS_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.wordlists/lists"),
    };
    if dir.join(format!("{}.txt", LISTS[0].0)).is_file() {
        return Some(dir);
    }
    if std::env::var(SKIP_ENV).is_ok_and(|v| v == "1") {
        eprintln!(
            "dictionary corpus skipped: {SKIP_ENV}=1 and no word lists in {}",
            dir.display()
        );
        return None;
    }
    panic!(
        "the dictionary corpus word lists are not in {}: run scripts/wordlists.sh (./scripts/test-all \
         runs it), or set {LISTS_DIR_ENV} to their folder, or set {SKIP_ENV}=1 to skip this test",
        dir.display()
    );
}

/// Reviewed entries: `## reason` lines set the reason for the entries below them.
fn reviewed() -> BTreeMap<String, String> {
    let mut reason = None;
    let mut entries = BTreeMap::new();
    for (number, line) in REVIEWED.lines().enumerate() {
        let line = line.trim_end();
        if let Some(text) = line.strip_prefix("## ") {
            reason = Some(text.to_string());
        } else if line.is_empty() || line.starts_with('#') {
            continue;
        } else {
            let reason = reason.clone().unwrap_or_else(|| {
                panic!(
                    "reviewed_flags.txt line {}: entry {line:?} has no ## reason above it",
                    number + 1
                )
            });
            assert!(
                entries.insert(line.to_string(), reason).is_none(),
                "reviewed_flags.txt line {}: {line:?} is listed twice",
                number + 1
            );
        }
    }
    entries
}

/// What one entry did: flagged alone, in the sentence, and the rules.
struct Flag {
    entry: String,
    alone: bool,
    in_sentence: bool,
    rules: BTreeSet<String>,
}

fn flags_of(policy: &PolicySet, profile: &str, sentence: &str, entries: &[&str]) -> Vec<Flag> {
    let profile = policy
        .profile(profile)
        .unwrap_or_else(|| panic!("the built-in policy has no profile {profile:?}"));
    let attributes = BTreeMap::new();
    let (before, after) = sentence.split_once("{}").expect("sentence has a {} slot");
    let mut flags = Vec::new();
    let mut message = String::new();
    for &entry in entries {
        let mut rules = BTreeSet::new();
        let mut check = |content: &str| {
            let decision = profile.decide(&MessageContext {
                content,
                user_id: "viewer-1",
                sender_attributes: &attributes,
            });
            let flagged = decision.verdict != Verdict::Allow || !decision.hits.is_empty();
            rules.extend(decision.hits.iter().map(|hit| match &hit.pattern {
                Some(pattern) => format!("{} {pattern}", hit.rule),
                None => hit.rule.to_string(),
            }));
            flagged
        };
        let alone = check(entry);
        message.clear();
        message.push_str(before);
        message.push_str(entry);
        message.push_str(after);
        let in_sentence = check(&message);
        if alone || in_sentence {
            flags.push(Flag {
                entry: entry.to_string(),
                alone,
                in_sentence,
                rules,
            });
        }
    }
    flags
}

#[test]
fn every_dictionary_entry_flagged_by_the_builtin_policy_is_reviewed() {
    // GIVEN the word lists and the built-in policy
    let Some(dir) = lists_dir() else {
        return;
    };
    let policy = PolicySet::builtin().expect("built-in policy compiles");
    let reviewed = reviewed();
    let mut unreviewed = Vec::new();
    let mut still_flagged = BTreeSet::new();
    let mut report = vec![format!(
        "{:<22} {:<13} {:>9} {:>8} {:>8} {:>10}",
        "list", "profile", "entries", "flagged", "reviewed", "unreviewed"
    )];
    for &(name, profile, sentence) in LISTS {
        let path = dir.join(format!("{name}.txt"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!("{}: {error}; run scripts/wordlists.sh", path.display())
        });
        let entries: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        // WHEN every entry is decided alone and in a sentence (both cores)
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let chunk = entries.len().div_ceil(threads).max(1);
        let flags: Vec<Flag> = std::thread::scope(|scope| {
            let workers: Vec<_> = entries
                .chunks(chunk)
                .map(|part| scope.spawn(|| flags_of(&policy, profile, sentence, part)))
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("corpus worker panicked"))
                .collect()
        });
        let mut list_unreviewed = 0;
        for flag in &flags {
            still_flagged.insert(flag.entry.clone());
            if !reviewed.contains_key(&flag.entry) {
                list_unreviewed += 1;
                unreviewed.push(format!(
                    "{name}: {:?} (alone: {}, in sentence: {}) rules {:?}",
                    flag.entry, flag.alone, flag.in_sentence, flag.rules
                ));
            }
        }
        report.push(format!(
            "{name:<22} {profile:<13} {:>9} {:>8} {:>8} {:>10}",
            entries.len(),
            flags.len(),
            flags.len() - list_unreviewed,
            list_unreviewed
        ));
    }
    eprintln!("{}", report.join("\n"));
    // The whole list, for reviewing: one line per flagged entry.
    let listing = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dictionary-corpus-unreviewed.txt");
    std::fs::write(&listing, unreviewed.join("\n"))
        .unwrap_or_else(|error| panic!("{}: {error}", listing.display()));
    // THEN every flagged entry is reviewed, and every reviewed entry is still flagged
    eprintln!("dictionary corpus: {} unreviewed flags", unreviewed.len());
    let stale: Vec<&String> = reviewed
        .keys()
        .filter(|e| !still_flagged.contains(*e))
        .collect();
    assert!(
        unreviewed.is_empty(),
        "{} flagged entries are not in tests/corpus/reviewed_flags.txt (all in {}; first 300):\n{}",
        unreviewed.len(),
        listing.display(),
        unreviewed
            .iter()
            .take(300)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        stale.is_empty(),
        "tests/corpus/reviewed_flags.txt lists entries no list flags any more: {stale:?}"
    );
}
