//! Public false-positive suite: ordinary text that naive filters block (`cases/mod.rs`). Each
//! message must be allowed unchanged with no term rule firing, by the built-in default policy
//! and by every other policy this repository ships, in every one of their profiles: the
//! built-in policy with its language packs, `events/review/policy.toml`, the sample policy the
//! README shows (read from README.md itself, so it cannot drift) and the format example of
//! `shared/ivschat-moderation/README.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ivschat_moderation::{Decision, MessageContext, PolicySet, RuleKind, Verdict};

mod cases;
use cases::{ORDINARY, ORDINARY_BY_PROFILE};

fn decide(policy: &PolicySet, content: &str) -> Decision {
    let attributes = BTreeMap::new();
    policy
        .profile_for_room("room-without-profile")
        .decide(&MessageContext {
            content,
            user_id: "viewer-1",
            sender_attributes: &attributes,
        })
}

fn decide_in(policy: &PolicySet, profile: &str, content: &str) -> Decision {
    let attributes = BTreeMap::new();
    policy
        .profile(profile)
        .unwrap_or_else(|| panic!("no profile {profile}"))
        .decide(&MessageContext {
            content,
            user_id: "viewer-1",
            sender_attributes: &attributes,
        })
}

/// The term hits of a decision, as `rule "matched text"`.
fn term_hits(decision: &Decision, message: &str) -> Vec<String> {
    decision
        .hits
        .iter()
        .filter(|hit| hit.kind == RuleKind::Term)
        .map(|hit| format!("{} {:?}", hit.rule, &message[hit.span.clone()]))
        .collect()
}

#[test]
fn allows_ordinary_text_that_contains_blocked_substrings() {
    let policy = PolicySet::builtin().expect("built-in policy compiles");
    let mut failures = Vec::new();
    for &(guard, message) in ORDINARY {
        let decision = decide(&policy, message);
        let term_hits = term_hits(&decision, message);
        if decision.verdict != Verdict::Allow || !term_hits.is_empty() {
            failures.push(format!(
                "{guard}: {message:?} → {:?} {term_hits:?}",
                decision.verdict
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The body of the first fenced code block of `language` after the first line of `markdown`
/// that contains `marker`.
fn fenced_block_after(markdown: &str, marker: &str, language: &str) -> Option<String> {
    let after = &markdown[markdown.find(marker)?..];
    let fence = format!("```{language}\n");
    let body = &after[after.find(&fence)? + fence.len()..];
    Some(body[..body.find("```")?].to_string())
}

/// The README's sample policy, read from README.md.
fn readme_sample_policy() -> String {
    fenced_block_after(
        &read(&repo_root().join("README.md")),
        "A small policy (`events/review/policy.toml`)",
        "toml",
    )
    .expect("README.md shows a small policy in a ```toml block after \"A small policy\"")
}

/// The TOML lines of a policy that carry meaning: no comments, no blank lines.
fn meaningful_lines(toml: &str) -> Vec<&str> {
    toml.lines()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .collect()
}

/// Every review policy the repository ships, by the name a failure reports.
fn shipped_policies() -> Vec<(String, PolicySet)> {
    let root = repo_root();
    let events_policy = root.join("events/review/policy.toml");
    let format_example = fenced_block_after(
        &read(&root.join("shared/ivschat-moderation/README.md")),
        "## Policy format (TOML)",
        "toml",
    )
    .expect("shared/ivschat-moderation/README.md shows the policy format in a ```toml block");
    vec![
        (
            "built-in policy (with its language packs)".to_string(),
            PolicySet::builtin().expect("built-in policy compiles"),
        ),
        (
            "events/review/policy.toml".to_string(),
            PolicySet::from_path(&events_policy).expect("events/review/policy.toml compiles"),
        ),
        (
            "README.md sample policy".to_string(),
            PolicySet::from_toml_str(&readme_sample_policy(), "README.md")
                .expect("the README's sample policy compiles"),
        ),
        (
            "shared/ivschat-moderation/README.md policy format".to_string(),
            PolicySet::from_toml_str(&format_example, "shared/ivschat-moderation/README.md")
                .expect("the policy format example compiles"),
        ),
    ]
}

#[test]
fn every_shipped_policy_allows_the_ordinary_text_of_every_false_positive_suite() {
    // GIVEN every policy the repository ships, in each of its profiles
    let builtin = PolicySet::builtin().expect("built-in policy compiles");
    let languages_of = |policy: &PolicySet, profile: &str| -> Vec<String> {
        policy
            .profile(profile)
            .map(|p| p.languages().iter().map(|l| l.to_string()).collect())
            .unwrap_or_default()
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, policy) in shipped_policies() {
        let profiles: Vec<String> = policy
            .profiles()
            .iter()
            .map(|p| p.name().to_string())
            .collect();
        for profile in &profiles {
            // WHEN the ordinary text of both suites is decided; a language suite's line (written
            // for a built-in profile) in every profile that checks the same packs in the same
            // order, and in every profile that checks no pack (elsewhere `dick` is a term)
            let languages = languages_of(&policy, profile);
            let by_profile = ORDINARY_BY_PROFILE
                .iter()
                .filter(|(written_for, _)| {
                    languages.is_empty() || languages_of(&builtin, written_for) == languages
                })
                .map(|&(_, message)| ("ordinary words of a pack language", message));
            for (guard, message) in ORDINARY.iter().copied().chain(by_profile) {
                checked += 1;
                let decision = decide_in(&policy, profile, message);
                let hits = term_hits(&decision, message);
                // THEN no term fires and the message is delivered unchanged
                if decision.verdict != Verdict::Allow || !hits.is_empty() {
                    failures.push(format!(
                        "{name} [{profile}] {guard}: {message:?} → {:?} {hits:?}",
                        decision.verdict
                    ));
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} decisions checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_readme_sample_policy_is_events_review_policy_toml() {
    // The README shows the fixtures' policy verbatim (comments aside), so the sample a reader
    // copies is the one the fixtures and the false-positive suites check.
    let readme = readme_sample_policy();
    let file = read(&repo_root().join("events/review/policy.toml"));
    assert_eq!(meaningful_lines(&readme), meaningful_lines(&file));
}

#[test]
fn every_review_policy_in_the_repository_is_one_the_suites_check() {
    // GIVEN the TOML files of the repository that are review policies
    let root = repo_root();
    let mut found = Vec::new();
    for folder in ["events", "examples", "local", "docs", "functions", "tests"] {
        collect_policies(&root.join(folder), &root, &mut found);
    }
    // THEN each is one of the shipped policies above (the built-in one and its packs live in
    // shared/ivschat-moderation/ and are compiled in)
    found.sort();
    assert_eq!(found, ["events/review/policy.toml"]);
}

fn collect_policies(dir: &Path, root: &Path, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("node_modules") && !path.ends_with("target") {
                collect_policies(&path, root, found);
            }
        } else if path.extension().is_some_and(|e| e == "toml") {
            let text = read(&path);
            let is_policy = text
                .lines()
                .any(|line| line.starts_with("[[terms]]") || line.starts_with("[profiles."));
            if is_policy {
                let relative = path.strip_prefix(root).unwrap_or(&path);
                found.push(relative.display().to_string());
            }
        }
    }
}

/// (message, the original text a term must cover): the evasions of the sample policy's own
/// terms that its collapse rule must still catch.
const SAMPLE_POLICY_DENIES: &[(&str, &str)] = &[
    ("shiiiit", "shiiiit"),
    ("sh1t happens", "sh1t"),
    ("$hit", "$hit"),
    ("that was shitty", "shitty"),
    ("bullshit", "bullshit"),
    ("fuuuuck", "fuuuuck"),
    ("this is fuckking great", "fuckking"),
    ("s h i t", "s h i t"),
];

#[test]
fn the_sample_policy_still_catches_stretched_and_disguised_terms() {
    let policy = PolicySet::from_toml_str(&readme_sample_policy(), "README.md")
        .expect("the README's sample policy compiles");
    let mut failures = Vec::new();
    for &(message, expected) in SAMPLE_POLICY_DENIES {
        let decision = decide(&policy, message);
        let spans: Vec<&str> = decision
            .hits
            .iter()
            .filter(|hit| hit.kind == RuleKind::Term)
            .map(|hit| &message[hit.span.clone()])
            .collect();
        if !matches!(decision.verdict, Verdict::Deny { .. }) || !spans.contains(&expected) {
            failures.push(format!("{message:?} → {:?} {spans:?}", decision.verdict));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
