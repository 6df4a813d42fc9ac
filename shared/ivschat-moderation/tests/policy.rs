//! Policy loading and the non-term rules: errors name the file, entry and rule; per-room
//! profiles; sender, spam, regex and link rules.

use std::collections::BTreeMap;
use std::path::Path;

use ivschat_moderation::{
    Action, DEFAULT_POLICY_NAME, Decision, MessageContext, PolicyError, PolicySet, RuleKind,
    Verdict,
};

fn compile(toml: &str) -> Result<PolicySet, PolicyError> {
    PolicySet::from_toml_str(toml, "rooms/policy.toml")
}

fn error_text(toml: &str) -> String {
    match compile(toml) {
        Ok(_) => panic!("expected the policy to be rejected"),
        Err(error) => error.to_string(),
    }
}

fn decide_as(
    policy: &PolicySet,
    room: &str,
    user: &str,
    attrs: &[(&str, &str)],
    content: &str,
) -> Decision {
    let attributes: BTreeMap<String, String> = attrs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    policy.profile_for_room(room).decide(&MessageContext {
        content,
        user_id: user,
        sender_attributes: &attributes,
    })
}

fn decide(policy: &PolicySet, content: &str) -> Decision {
    decide_as(policy, "room", "viewer-1", &[], content)
}

const TERMS: &str = r#"
[[terms]]
rule = "swears"
category = "profanity"
severity = "high"
patterns = ["*fuck*"]
"#;

#[test]
fn the_built_in_policy_compiles_with_a_default_and_a_strict_profile() {
    let policy = PolicySet::builtin().expect("built-in policy compiles");
    assert!(policy.profile("default").is_some());
    assert!(policy.profile("strict").is_some());
    assert!(policy.profile_for_room("any").term_count() > 100);
}

#[test]
fn rejects_unknown_keys_naming_the_file_and_key() {
    let text = error_text("[profiles.default]\nreasn = \"typo\"\n");
    assert!(text.starts_with("rooms/policy.toml:"), "{text}");
    assert!(text.contains("reasn"), "{text}");
}

#[test]
fn rejects_a_bad_term_naming_the_entry_rule_and_pattern() {
    let text = error_text(
        "[[terms]]\nrule = \"ok\"\ncategory = \"c\"\nseverity = \"low\"\npatterns = [\"fine\"]\n\
         [[terms]]\nrule = \"broken\"\ncategory = \"c\"\nseverity = \"low\"\npatterns = [\"f*ck\"]\n",
    );
    assert!(text.contains("terms[1]"), "{text}");
    assert!(text.contains("rule \"broken\""), "{text}");
    assert!(text.contains("\"f*ck\""), "{text}");
}

#[test]
fn rejects_an_invalid_regex_naming_the_profile_and_rule() {
    let text = error_text(&format!(
        "{TERMS}[[profiles.default.regex]]\nrule = \"phone\"\npattern = \"(unclosed\"\ncategory = \"pii\"\nseverity = \"low\"\n"
    ));
    assert!(text.contains("profiles.default.regex[0]"), "{text}");
    assert!(text.contains("rule \"phone\""), "{text}");
}

#[test]
fn rejects_a_regex_longer_than_260_characters() {
    let long = "a".repeat(261);
    let text = error_text(&format!(
        "[[profiles.default.regex]]\nrule = \"long\"\npattern = \"{long}\"\ncategory = \"x\"\nseverity = \"low\"\n"
    ));
    assert!(text.contains("261 characters"), "{text}");
}

#[test]
fn rejects_a_regex_over_the_compiled_size_limit() {
    // Small to write, huge to compile: nested counted repetitions of a Unicode class.
    let text = error_text(
        "[[profiles.default.regex]]\nrule = \"huge\"\npattern = '(\\w{100}){100}'\ncategory = \"x\"\nseverity = \"low\"\n",
    );
    assert!(text.contains("rule \"huge\""), "{text}");
    assert!(text.contains("invalid or oversized"), "{text}");
}

#[test]
fn rejects_more_than_20_regex_rules() {
    let mut toml = String::new();
    for index in 0..21 {
        toml.push_str(&format!(
            "[[profiles.default.regex]]\nrule = \"r{index}\"\npattern = \"x{index}\"\ncategory = \"x\"\nseverity = \"low\"\n"
        ));
    }
    assert!(error_text(&toml).contains("at most 20"));
}

#[test]
fn rejects_a_room_mapped_to_an_unknown_profile() {
    let text = error_text("[rooms]\n\"room-1\" = \"missing\"\n");
    assert!(text.contains("rooms.\"room-1\""), "{text}");
    assert!(text.contains("missing"), "{text}");
}

#[test]
fn rejects_an_inheritance_cycle() {
    let text = error_text(
        "[profiles.a]\nextends = \"b\"\n[profiles.b]\nextends = \"a\"\n[profiles.default]\n",
    );
    assert!(text.contains("cycle"), "{text}");
}

#[test]
fn a_bidi_override_reverses_terms_of_every_severity_of_four_letters_or_more() {
    // GIVEN low-severity terms and the default evasion settings (reversed only from high)
    let policy = compile(
        "[[terms]]\nrule = \"mild\"\ncategory = \"mild\"\nseverity = \"low\"\npatterns = [\"crap\", \"dam\"]\n",
    )
    .expect("valid");
    let mild = |content: &str| {
        decide(&policy, content)
            .hits
            .iter()
            .filter(|hit| &*hit.rule == "mild")
            .count()
    };
    // WHEN a low-severity term is written backwards without any bidi control
    // THEN it is not matched (reversed matching starts at high severity)
    assert_eq!(mild("parc"), 0);
    // WHEN a right-to-left override makes it display forwards
    // THEN it is matched, whatever its severity
    assert_eq!(mild("\u{202e}parc"), 1);
    // AND a reversed term shorter than four letters is not (it collides with ordinary words)
    assert_eq!(mild("\u{202e}mad"), 0);
}

#[test]
fn rejects_extends_naming_an_unknown_profile() {
    let text = error_text("[profiles.kids]\nextends = \"defualt\"\n");
    assert!(text.contains("profiles.kids.extends"), "{text}");
    assert!(text.contains("unknown profile \"defualt\""), "{text}");
}

#[test]
fn rejects_a_reason_over_256_characters_and_accepts_one_of_256() {
    let at_limit = "r".repeat(256);
    compile(&format!("[profiles.default]\nreason = \"{at_limit}\"\n")).expect("256 is allowed");
    let over = "r".repeat(257);
    let text = error_text(&format!("[profiles.default]\nreason = \"{over}\"\n"));
    assert!(text.contains("profiles.default.reason"), "{text}");
    assert!(text.contains("at most 256 characters"), "{text}");
}

#[test]
fn rejects_unknown_categories_in_categories_and_category_reasons() {
    for section in [
        "[profiles.default]\ncategories = [\"profanty\"]\n",
        "[profiles.default.category_reasons]\nprofanty = \"No.\"\n",
    ] {
        let text = error_text(&format!("{TERMS}{section}"));
        assert!(text.contains("unknown category \"profanty\""), "{text}");
    }
}

#[test]
fn rejects_an_action_for_an_unknown_category() {
    let text = error_text(&format!(
        "{TERMS}[profiles.default.actions.category]\nprofanty = \"mask\"\n"
    ));
    assert!(text.contains("profanty"), "{text}");
}

#[test]
fn reports_a_missing_policy_file_with_its_path() {
    match PolicySet::from_path(Path::new("/nonexistent/policy.toml")) {
        Err(PolicyError::Read { path, .. }) => assert_eq!(path, "/nonexistent/policy.toml"),
        other => panic!("expected a read error, got {other:?}"),
    }
}

#[test]
fn loads_the_built_in_policy_without_a_path_and_the_named_file_with_one() {
    // GIVEN no path: the built-in policy, named as such
    let builtin = PolicySet::load(None).expect("built-in policy compiles");
    assert_eq!(builtin.source_name(), DEFAULT_POLICY_NAME);
    // GIVEN a path: that file, named by its path, in errors too
    let dir = std::env::temp_dir().join(format!("ivschat-policy-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("policy.toml");
    std::fs::write(&file, TERMS).expect("write policy");
    let loaded = PolicySet::load(Some(&file)).expect("file compiles");
    assert_eq!(loaded.source_name(), file.display().to_string());
    std::fs::write(&file, "terms = 3\n").expect("write broken policy");
    let text = match PolicySet::load(Some(&file)) {
        Ok(_) => panic!("expected the policy to be rejected"),
        Err(error) => error.to_string(),
    };
    assert!(text.starts_with(&format!("{}: ", file.display())), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
    match PolicySet::load(Some(Path::new("/nonexistent/policy.toml"))) {
        Err(PolicyError::Read { path, .. }) => assert_eq!(path, "/nonexistent/policy.toml"),
        other => panic!("expected a read error, got {other:?}"),
    }
}

#[test]
fn picks_the_room_profile_by_arn_or_by_room_id_and_falls_back_to_the_default() {
    let policy = compile(&format!(
        "{TERMS}[rooms]\n\"arn:aws:ivschat:us-east-1:123456789012:room/byArn\" = \"kids\"\n\"byId\" = \"kids\"\n\
         [profiles.default]\n[profiles.kids]\nextends = \"default\"\nreason = \"Kids room.\"\n"
    ))
    .expect("compiles");
    assert_eq!(
        policy
            .profile_for_room("arn:aws:ivschat:us-east-1:123456789012:room/byArn")
            .name(),
        "kids"
    );
    assert_eq!(
        policy
            .profile_for_room("arn:aws:ivschat:eu-west-1:123456789012:room/byId")
            .name(),
        "kids"
    );
    assert_eq!(
        policy
            .profile_for_room("arn:aws:ivschat:us-east-1:123456789012:room/other")
            .name(),
        "default"
    );
}

#[test]
fn denies_blocked_senders_and_lets_trusted_ones_bypass_terms() {
    let policy = compile(&format!(
        "{TERMS}[profiles.default.senders]\nblocked = [\"spammer\"]\ntrusted = [\"host\"]\ntrusted_attributes = {{ role = [\"moderator\"] }}\n"
    ))
    .expect("compiles");
    let blocked = decide_as(&policy, "r", "spammer", &[], "hello");
    assert_eq!(blocked.hits[0].kind, RuleKind::Sender);
    assert!(matches!(blocked.verdict, Verdict::Deny { .. }));
    assert_eq!(
        decide_as(&policy, "r", "host", &[], "fuck").verdict,
        Verdict::Allow
    );
    assert_eq!(
        decide_as(&policy, "r", "u", &[("role", "moderator")], "fuck").verdict,
        Verdict::Allow
    );
    assert!(matches!(
        decide_as(&policy, "r", "u", &[("role", "viewer")], "fuck").verdict,
        Verdict::Deny { .. }
    ));
}

#[test]
fn applies_spam_limits_with_spans() {
    let policy = compile(
        "[profiles.default.spam]\nmax_repeated_char = 5\nmax_caps_ratio = 0.5\ncaps_min_length = 10\nmax_code_points = 30\naction = \"deny\"\n",
    )
    .expect("compiles");
    let repeated = decide(&policy, "nooooooo way");
    assert_eq!(&*repeated.hits[0].rule, "spam.repeated_char");
    assert_eq!(repeated.hits[0].span, 1..8);
    assert_eq!(
        &*decide(&policy, "THIS IS LOUD ok").hits[0].rule,
        "spam.caps"
    );
    assert_eq!(
        decide(&policy, "THIS ok").verdict,
        Verdict::Allow,
        "short messages are not checked for caps"
    );
    assert_eq!(
        &*decide(&policy, &"é".repeat(31)).hits[0].rule,
        "spam.length"
    );
    assert_eq!(decide(&policy, &"ab".repeat(15)).verdict, Verdict::Allow);
}

#[test]
fn regex_rules_deny_or_mask_their_match() {
    let policy = compile(
        "[[profiles.default.regex]]\nrule = \"phone\"\npattern = '\\d{3}-\\d{4}'\ncategory = \"pii\"\nseverity = \"medium\"\naction = \"mask\"\n\
         [[profiles.default.regex]]\nrule = \"invite\"\npattern = 'discord\\.gg/\\w+'\ncategory = \"invite\"\nseverity = \"high\"\nreason = \"No invites.\"\n",
    )
    .expect("compiles");
    assert_eq!(
        decide(&policy, "call 555-1234 now").verdict,
        Verdict::Rewrite {
            content: "call ******** now".into()
        }
    );
    assert_eq!(
        decide(&policy, "join DISCORD.GG/abc").verdict,
        Verdict::Deny {
            reason: "No invites.".into()
        }
    );
}

#[test]
fn link_rule_catches_links_with_and_without_scheme_and_spares_allowed_domains() {
    let policy =
        compile("[profiles.default.links]\naction = \"mask\"\nallowed_domains = [\"twitch.tv\"]\n")
            .expect("compiles");
    let decision = decide(
        &policy,
        "go to evil.com or https://www.clips.twitch.tv/x or http://bad.io/a?b",
    );
    let linked: Vec<&str> = decision
        .hits
        .iter()
        .filter(|hit| hit.kind == RuleKind::Link)
        .map(|hit| {
            &"go to evil.com or https://www.clips.twitch.tv/x or http://bad.io/a?b"
                [hit.span.clone()]
        })
        .collect();
    assert_eq!(linked, ["evil.com", "http://bad.io/a?b"]);
    assert!(decision.hits.iter().all(|hit| hit.action == Action::Mask));
    let denying = compile("[profiles.default.links]\naction = \"deny\"\n").expect("compiles");
    assert!(matches!(
        decide(&denying, "see www.example.org").verdict,
        Verdict::Deny { .. }
    ));
    assert_eq!(
        decide(&denying, "e.g. this, file.txt and 3.14").verdict,
        Verdict::Allow
    );
}

#[test]
fn an_adjacent_blocked_link_is_not_swallowed_by_an_allowed_one() {
    let policy = compile(
        "[profiles.default.links]\naction = \"deny\"\nallowed_domains = [\"discord.com\"]\n",
    )
    .expect("compiles");
    let decision = decide(
        &policy,
        "https://discord.com/test<>https://evil-domain.com/",
    );
    assert!(matches!(decision.verdict, Verdict::Deny { .. }));
}

#[test]
fn flag_action_allows_and_names_the_categories() {
    let policy = compile(&format!(
        "{TERMS}[profiles.default.actions]\ndefault = \"flag\"\n"
    ))
    .expect("compiles");
    let decision = decide(&policy, "fuck");
    assert_eq!(decision.verdict, Verdict::Allow);
    assert_eq!(
        decision.flagged_categories,
        vec![std::sync::Arc::<str>::from("profanity")]
    );
}

#[test]
fn rule_action_beats_category_which_beats_severity() {
    let policy = compile(
        "[[terms]]\nrule = \"a\"\ncategory = \"cat\"\nseverity = \"low\"\naction = \"deny\"\npatterns = [\"alpha\"]\n\
         [[terms]]\nrule = \"b\"\ncategory = \"cat\"\nseverity = \"low\"\npatterns = [\"beta\"]\n\
         [[terms]]\nrule = \"c\"\ncategory = \"other\"\nseverity = \"low\"\npatterns = [\"gamma\"]\n\
         [profiles.default.actions]\ncategory = { cat = \"mask\" }\nseverity = { low = \"flag\" }\n",
    )
    .expect("compiles");
    assert_eq!(decide(&policy, "alpha").hits[0].action, Action::Deny);
    assert_eq!(decide(&policy, "beta").hits[0].action, Action::Mask);
    assert_eq!(decide(&policy, "gamma").hits[0].action, Action::Flag);
}
