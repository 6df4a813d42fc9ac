//! Language packs: per-profile `languages`, words that are ordinary in another language, the
//! multilingual evasion and false-positive suites, policy errors, and the `--evaluate` report on
//! the example labelled file.

use std::collections::BTreeMap;

use ivschat_moderation::evaluate::evaluate;
use ivschat_moderation::{Decision, MessageContext, PolicySet, RuleKind, Verdict};

mod cases;
use cases::ORDINARY_BY_PROFILE;

fn builtin() -> PolicySet {
    PolicySet::builtin().expect("built-in policy compiles")
}

fn decide(policy: &PolicySet, profile: &str, content: &str) -> Decision {
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

fn term_hits(decision: &Decision) -> Vec<String> {
    decision
        .hits
        .iter()
        .filter(|hit| hit.kind == RuleKind::Term)
        .map(|hit| hit.rule.to_string())
        .collect()
}

/// (profile, message, the original text the term match must cover)
const DENIED: &[(&str, &str, &str)] = &[
    ("es", "eres un pendejo", "pendejo"),
    ("es", "hijo de puta", "hijo de puta"),
    ("es", "MARICÓN", "MARICÓN"),
    ("es", "m a r i c o n", "m a r i c o n"),
    ("es", "pu7a madre", "pu7a"),
    ("es", "suicídate ya", "suicídate"),
    ("pt", "vai tomar no cu", "vai tomar no cu"),
    ("pt", "caralhooooo", "caralhooooo"),
    ("pt", "seu v1ado", "v1ado"),
    ("pt", "ｆｏｄａ-se", "ｆｏｄａ-se"),
    ("de", "du Arschloch", "Arschloch"),
    ("de", "SCHEISSE", "SCHEISSE"),
    ("de", "Scheiße", "Scheiße"),
    ("de", "du hurens\u{200b}ohn", "hurens\u{200b}ohn"),
    ("de", "schwuchtel", "schwuchtel"),
    ("fr", "putain de merde", "putain"),
    ("fr", "ENCULÉ", "ENCULÉ"),
    ("fr", "sale p.é.d.é", "p.é.d.é"),
    ("fr", "nique ta mère", "nique ta mère"),
    ("fr", "t'es qu'un con", "con"),
    ("fr", "suce ma bite", "suce ma bite"),
    // English slurs and their evasions, in every language's room.
    ("default", "you kneegrow", "kneegrow"),
    ("default", "f4gg0t", "f4gg0t"),
    ("default", "ch1nk", "ch1nk"),
    ("default", "tr@nny", "tr@nny"),
    ("default", "troon", "troon"),
    ("default", "sp@stic", "sp@stic"),
    ("default", "what a retarded take", "retarded"),
    ("de", "du bist ein faggot", "faggot"),
    ("fr", "sale n1gger", "n1gger"),
    ("multilingual", "you tard", "tard"),
    ("multilingual", "what a dick", "dick"),
];

#[test]
fn denies_each_language_pack_term_and_its_evasions_in_rooms_of_that_language() {
    // GIVEN the built-in policy's language profiles
    let policy = builtin();
    let mut failures = Vec::new();
    for &(profile, message, expected) in DENIED {
        // WHEN the message is decided in a room of that profile
        let decision = decide(&policy, profile, message);
        let spans: Vec<&str> = decision
            .hits
            .iter()
            .filter(|hit| hit.kind == RuleKind::Term)
            .map(|hit| &message[hit.span.clone()])
            .collect();
        // THEN it is denied and the term hit covers exactly the expected text
        if !matches!(decision.verdict, Verdict::Deny { .. }) || !spans.contains(&expected) {
            failures.push(format!(
                "[{profile}] {message:?} → {:?}, spans {spans:?}, expected {expected:?}",
                decision.verdict
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn allows_ordinary_words_of_every_pack_language_in_their_rooms() {
    // GIVEN the built-in policy's language profiles
    let policy = builtin();
    let mut failures = Vec::new();
    for &(profile, message) in ORDINARY_BY_PROFILE {
        // WHEN ordinary text is decided
        let decision = decide(&policy, profile, message);
        // THEN no term rule fires and the message is allowed
        let hits = term_hits(&decision);
        if decision.verdict != Verdict::Allow || !hits.is_empty() {
            failures.push(format!(
                "[{profile}] {message:?} → {:?} {hits:?}",
                decision.verdict
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_profile_checks_only_the_packs_it_names() {
    // GIVEN the English-only default profile and the Spanish profile
    let policy = builtin();
    // WHEN a Spanish insult is sent to each
    let english_room = decide(&policy, "default", "eres un pendejo");
    let spanish_room = decide(&policy, "es", "eres un pendejo");
    // THEN only the Spanish room's profile knows the word
    assert_eq!(english_room.verdict, Verdict::Allow);
    assert_eq!(term_hits(&spanish_room), ["es.profanity-strong"]);
    assert_eq!(policy.profile("es").map(|p| p.languages().len()), Some(2));
}

#[test]
fn an_ordinary_word_of_the_main_language_is_allowed_without_clues_and_denied_in_english_text() {
    // GIVEN the German room (main language German) and the English room
    let policy = builtin();
    // WHEN "dick" comes alone, or inside an English sentence
    let alone_german = decide(&policy, "de", "dick");
    let alone_english = decide(&policy, "default", "dick");
    let english_sentence_in_german_room = decide(&policy, "de", "you are such a dick");
    // THEN the room's main language decides a bare word; English clues override it
    assert_eq!(alone_german.verdict, Verdict::Allow);
    assert!(matches!(alone_english.verdict, Verdict::Deny { .. }));
    assert!(matches!(
        english_sentence_in_german_room.verdict,
        Verdict::Deny { .. }
    ));
}

#[test]
fn message_language_reads_the_pack_hint_words() {
    let policy = builtin();
    let profile = policy.profile("multilingual").expect("profile");
    assert_eq!(profile.message_language("das ist nicht gut"), Some("de"));
    assert_eq!(profile.message_language("c'est trop tard"), Some("fr"));
    assert_eq!(profile.message_language("what is this"), Some("en"));
    assert_eq!(profile.message_language("gg"), None);
    // Hints keep their own double letters: `bite` is not German `bitte`.
    assert_eq!(profile.message_language("bite"), None);
}

fn compile(text: &str) -> Result<PolicySet, String> {
    PolicySet::from_toml_str(text, "rooms.toml").map_err(|error| error.to_string())
}

#[test]
fn rejects_an_unknown_language_naming_the_profile_and_the_packs() {
    let error =
        compile("[profiles.default]\nlanguages = [\"xx\"]\n").expect_err("unknown language");
    assert!(
        error.starts_with("rooms.toml: profiles.default.languages: unknown language \"xx\""),
        "{error}"
    );
    assert!(error.contains("en, es, pt, de, fr"), "{error}");
}

#[test]
fn rejects_a_malformed_language_code_on_a_term_group() {
    let error = compile(
        "[[terms]]\nrule = \"x\"\ncategory = \"c\"\nseverity = \"low\"\nordinary_in = [\"German\"]\npatterns = [\"dick\"]\n",
    )
    .expect_err("bad code");
    assert!(
        error.contains("terms[0] (rule \"x\"): \"German\" is not an ISO 639 language code"),
        "{error}"
    );
}

#[test]
fn a_policy_without_languages_keeps_only_its_own_terms() {
    // GIVEN a custom policy with its own terms and no languages
    let policy = compile(
        "[[terms]]\nrule = \"own\"\ncategory = \"c\"\nseverity = \"high\"\npatterns = [\"zonk\"]\n",
    )
    .expect("compiles");
    // WHEN an English swear and its own term are sent
    let swear = decide(&policy, "default", "fuck");
    let own = decide(&policy, "default", "zonk");
    // THEN no built-in pack applies; its own term does
    assert_eq!(swear.verdict, Verdict::Allow);
    assert_eq!(term_hits(&own), ["own"]);
}

#[test]
fn a_custom_group_with_a_language_applies_only_to_profiles_naming_it() {
    let policy = compile(
        "[[terms]]\nrule = \"it\"\ncategory = \"profanity\"\nseverity = \"high\"\nlanguage = \"it\"\npatterns = [\"vaffanculo\"]\n\
         [profiles.default]\nlanguages = [\"en\"]\n[profiles.italian]\nlanguages = [\"it\", \"en\"]\n",
    )
    .expect("compiles");
    assert_eq!(
        decide(&policy, "default", "vaffanculo").verdict,
        Verdict::Allow
    );
    assert_eq!(term_hits(&decide(&policy, "italian", "vaffanculo")), ["it"]);
    assert!(!term_hits(&decide(&policy, "italian", "fuck")).is_empty());
}

#[test]
fn hype_in_capitals_and_long_runs_are_flagged_not_denied_by_default() {
    // GIVEN the built-in default profile
    let policy = builtin();
    // WHEN a long all-caps hype message and a long emoji run are sent
    let caps = decide(
        &policy,
        "default",
        "LET'S GOOOOO THAT WAS THE BEST PLAY OF THE WHOLE SEASON",
    );
    let run = decide(&policy, "default", &"😂".repeat(40));
    let short_caps = decide(&policy, "default", "LET'S GO");
    // THEN they are delivered, flagged as spam; short capitals are not even flagged
    assert_eq!(caps.verdict, Verdict::Allow);
    assert_eq!(caps.flagged_categories, vec!["spam".into()]);
    assert_eq!(run.verdict, Verdict::Allow);
    assert_eq!(run.flagged_categories, vec!["spam".into()]);
    assert!(short_caps.hits.is_empty());
    // AND an over-long message is still denied
    let long = decide(&policy, "default", &"a".repeat(501));
    assert!(matches!(long.verdict, Verdict::Deny { .. }));
}

#[test]
fn the_default_profile_flags_low_terms_and_links_and_the_strict_one_masks_and_denies_them() {
    // GIVEN the built-in default and strict profiles
    let policy = builtin();
    // WHEN a low-severity term and a link are sent in the default profile
    let low = decide(&policy, "default", "what a crap stream");
    let link = decide(&policy, "default", "clips at example.com/best");
    // THEN both are delivered unchanged and flagged
    assert_eq!(low.verdict, Verdict::Allow);
    assert!(!low.flagged_categories.is_empty(), "{low:?}");
    assert_eq!(link.verdict, Verdict::Allow);
    assert_eq!(link.flagged_categories, vec!["link".into()]);
    // AND an empty message is denied
    let empty = decide(&policy, "default", "");
    assert!(matches!(empty.verdict, Verdict::Deny { .. }), "{empty:?}");
    assert_eq!(&*empty.hits[0].rule, "spam.empty");
    // AND a run of 32 repeats is not flagged while one of 33 is
    assert!(decide(&policy, "default", &"😂".repeat(32)).hits.is_empty());
    assert_eq!(
        decide(&policy, "default", &"😂".repeat(33)).flagged_categories,
        vec!["spam".into()]
    );
    // WHEN the same are sent in the strict profile
    // THEN the low-severity term is masked and the link denied
    assert_eq!(
        decide(&policy, "strict", "what a crap stream").verdict,
        Verdict::Rewrite {
            content: "what a **** stream".into()
        }
    );
    assert!(matches!(
        decide(&policy, "strict", "clips at example.com/best").verdict,
        Verdict::Deny { .. }
    ));
}

#[test]
fn evaluates_the_example_labelled_file_per_category_and_language() {
    // GIVEN the built-in policy and the example labelled file
    let policy = builtin();
    let text = include_str!("../examples/labelled.jsonl");
    // WHEN it is evaluated
    let evaluation = evaluate(&policy, text).expect("valid file");
    // THEN every line is scored, per category and per language, with totals that add up
    assert_eq!(
        evaluation.messages,
        text.lines().filter(|l| !l.trim().is_empty()).count()
    );
    for language in ["en", "es", "pt", "de", "fr"] {
        assert!(evaluation.by_language.contains_key(language), "{language}");
    }
    let per_category: u64 = evaluation
        .by_category
        .values()
        .map(|c| c.true_positives)
        .sum();
    assert_eq!(per_category, evaluation.total.true_positives);
    assert!(
        evaluation.total.recall().is_some_and(|r| r >= 0.9),
        "{}",
        evaluation.report()
    );
    assert!(
        evaluation.total.precision().is_some_and(|p| p >= 0.9),
        "{}",
        evaluation.report()
    );
    let report = evaluation.report();
    assert!(
        report.contains("precision") && report.contains("misses:"),
        "{report}"
    );
}

#[test]
fn evaluation_counts_a_missed_label_and_an_unexpected_category() {
    let policy = builtin();
    let evaluation = evaluate(
        &policy,
        "{\"text\": \"hello there\", \"labels\": [\"profanity\"], \"language\": \"en\"}\n\
         {\"text\": \"what the fuck\", \"labels\": [], \"language\": \"en\"}\n\
         {\"text\": \"shit\", \"labels\": [\"profanity\"], \"language\": \"en\"}\n",
    )
    .expect("valid");
    let counts = evaluation.by_category["profanity"];
    assert_eq!(
        (
            counts.true_positives,
            counts.false_positives,
            counts.false_negatives
        ),
        (1, 1, 1)
    );
    assert_eq!(evaluation.misses.len(), 2);
    assert_eq!(evaluation.misses[0].line, 1);
    assert_eq!(evaluation.misses[0].missed, ["profanity"]);
}

#[test]
fn evaluation_names_the_line_of_a_bad_entry_or_unknown_profile() {
    let policy = builtin();
    let bad = evaluate(&policy, "{\"text\": \"a\"}\n{\"labels\": []}\n").expect_err("missing text");
    assert!(
        bad.to_string()
            .starts_with("line 2: invalid labelled message"),
        "{bad}"
    );
    let unknown =
        evaluate(&policy, "{\"text\": \"a\", \"profile\": \"nope\"}\n").expect_err("profile");
    assert_eq!(unknown.to_string(), "line 1: unknown profile \"nope\"");
}
