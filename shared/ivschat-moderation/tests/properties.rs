//! Property tests: any UTF-8 input gets a valid reply without panicking, masking keeps every
//! unmatched grapheme byte-for-byte, offsets always point into the original, and evasions made
//! of random invisible characters and case changes are still caught.

use std::collections::BTreeMap;

use ivschat_api::review::{ReviewRequest, ReviewResult, ReviewSender};
use ivschat_moderation::{Action, MessageContext, PolicySet, Verdict, normalise};
use proptest::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

const MASK: char = '█';

/// Everything masks, so rewrites are exercised; the mask character is one inputs never contain.
const MASKING_POLICY: &str = r#"
allow = ["scunthorpe", "shiitake*"]

[[terms]]
rule = "words"
category = "profanity"
severity = "medium"
patterns = ["*fuck*", "shit*", "ass", "crap", "bitch*", "kcid"]

[profiles.default]
mask_char = "█"

[profiles.default.actions]
default = "mask"

[profiles.default.links]
action = "mask"
allowed_domains = ["example.org"]

# No spam limits: only term and link rules, which all mask.
[profiles.default.spam]
action = "mask"
"#;

fn request(content: String) -> ReviewRequest {
    ReviewRequest {
        content,
        message_id: "A1b2C3d4E5f6".into(),
        room_arn: "arn:aws:ivschat:us-east-1:123456789012:room/abcdEFGH1234".into(),
        attributes: BTreeMap::new(),
        sender: ReviewSender {
            user_id: "viewer-1".into(),
            ip: String::new(),
            attributes: BTreeMap::new(),
        },
    }
}

/// Text mixing words (some blocked), evasion characters and arbitrary Unicode.
fn chat_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("fuck".to_string()),
        Just("sh1t".to_string()),
        Just("a$$".to_string()),
        Just("f u c k".to_string()),
        Just("crap".to_string()),
        Just("Scunthorpe".to_string()),
        Just("shiitake".to_string()),
        Just("evil.example.com/x".to_string()),
        Just("https://example.org/ok".to_string()),
        Just("\u{200b}".to_string()),
        Just("\u{301}".to_string()),
        Just("\u{202e}".to_string()),
        Just("ｆｕｃｋ".to_string()),
        Just("fυck".to_string()),
        Just("🇫🇺".to_string()),
        Just("👩‍👩‍👧".to_string()),
        "[a-zA-Z0-9 .,!*$@'_-]{0,12}",
        any::<String>().prop_map(|s| s.chars().filter(|&c| c != MASK).take(8).collect()),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_utf8_message_gets_a_valid_reply(content in any::<String>()) {
        let policy = PolicySet::builtin().expect("built-in policy compiles");
        let review = policy.review(&request(content));
        prop_assert!(review.response.check_limits().is_ok(), "{:?}", review.response);
        if review.response.review_result == ReviewResult::Deny {
            prop_assert!(review.response.attributes.contains_key("Reason"));
        }
    }

    #[test]
    fn chat_like_messages_get_a_valid_reply_with_the_default_and_masking_policies(content in chat_text()) {
        for policy in [
            PolicySet::builtin().expect("built-in policy compiles"),
            PolicySet::from_toml_str(MASKING_POLICY, "masking").expect("masking policy compiles"),
        ] {
            let review = policy.review(&request(content.clone()));
            prop_assert!(review.response.check_limits().is_ok(), "{:?}", review.response);
            for hit in &review.decision.hits {
                prop_assert!(content.get(hit.span.clone()).is_some(), "span {:?} not on char boundaries", hit.span);
            }
        }
    }

    #[test]
    fn masking_leaves_every_unmatched_grapheme_byte_for_byte(content in chat_text()) {
        prop_assume!(!content.is_empty());
        let policy = PolicySet::from_toml_str(MASKING_POLICY, "masking").expect("compiles");
        let attributes = BTreeMap::new();
        let decision = policy.profile_for_room("r").decide(&MessageContext {
            content: &content,
            user_id: "viewer-1",
            sender_attributes: &attributes,
        });
        let spans: Vec<_> = decision
            .hits
            .iter()
            .filter(|hit| hit.action == Action::Mask)
            .map(|hit| hit.span.clone())
            .collect();
        let mut kept = String::new();
        let mut masked = 0;
        for (start, grapheme) in content.grapheme_indices(true) {
            let end = start + grapheme.len();
            if spans.iter().any(|span| span.start < end && start < span.end) {
                masked += 1;
            } else {
                kept.push_str(grapheme);
            }
        }
        let output = match &decision.verdict {
            Verdict::Rewrite { content } => content.clone(),
            Verdict::Allow => content.clone(),
            Verdict::Deny { .. } => return Err(TestCaseError::fail("masking policy never denies")),
        };
        prop_assert_eq!(spans.is_empty(), decision.verdict == Verdict::Allow);
        prop_assert_eq!(output.matches(MASK).count(), masked);
        prop_assert_eq!(output.replace(MASK, ""), kept);
    }

    #[test]
    fn every_normalised_byte_maps_into_the_original(content in any::<String>()) {
        let normalised = normalise(&content);
        let text = normalised.as_str();
        for start in 0..text.len() {
            let range = normalised.original_range(start, start + 1);
            prop_assert!(range.end <= content.len());
            prop_assert!(content.get(range.clone()).is_some(), "{:?} not on char boundaries", range);
        }
    }

    #[test]
    fn invisible_characters_and_case_changes_do_not_hide_a_term(
        invisibles in prop::collection::vec(
            prop::sample::select(vec!["", "\u{200b}", "\u{200c}", "\u{200d}", "\u{ad}", "\u{2060}", "\u{feff}", "\u{fe0f}", "\u{34f}", "\u{e0020}"]),
            3,
        ),
        upper in prop::collection::vec(any::<bool>(), 4),
        before in "[a-z]{1,8}",
        after in "[a-z]{1,8}",
    ) {
        let mut word = String::new();
        for (index, letter) in "fuck".chars().enumerate() {
            word.push(if upper[index] { letter.to_ascii_uppercase() } else { letter });
            if index < 3 {
                word.push_str(invisibles[index]);
            }
        }
        let content = format!("{before} {word} {after}");
        let policy = PolicySet::builtin().expect("built-in policy compiles");
        let review = policy.review(&request(content.clone()));
        prop_assert_eq!(review.response.review_result, ReviewResult::Deny, "{:?}", content);
        let expected_start = before.len() + 1;
        prop_assert!(review.decision.hits.iter().any(|hit| hit.span == (expected_start..expected_start + word.len())));
    }
}

static BUILTIN: std::sync::LazyLock<PolicySet> =
    std::sync::LazyLock::new(|| PolicySet::builtin().expect("built-in policy compiles"));

/// Text in scripts no language pack has terms in (Cyrillic, Greek, CJK, Arabic, Hebrew, Thai,
/// Devanagari, Hangul), with spaces, punctuation and, sometimes, an English term.
fn other_script_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        8 => proptest::string::string_regex("[а-яё]{1,8}|[α-ω]{1,8}|[一-龥]{1,4}|[ا-ي]{1,8}|[א-ת]{1,6}|[ก-ฮ]{1,6}|[क-ह]{1,6}|[가-힣]{1,4}")
            .expect("valid regex"),
        2 => Just(" ".to_string()),
        1 => Just(", ".to_string()),
        1 => prop_oneof![Just("fuck"), Just("sh1t"), Just("f u c k"), Just("nigger"), Just("gg")]
            .prop_map(|s| format!(" {s} ")),
    ];
    proptest::collection::vec(piece, 1..20).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// GIVEN text in scripts no pack covers WHEN profiles that differ only in their languages
    /// decide it THEN they decide the same (same verdict, same rules on the same spans).
    #[test]
    fn languages_never_change_decisions_on_text_of_other_scripts(content in other_script_text()) {
        let policy = &*BUILTIN;
        let attributes = BTreeMap::new();
        let message = MessageContext { content: &content, user_id: "viewer-1", sender_attributes: &attributes };
        let summary = |profile: &str| {
            let decision = policy.profile(profile).expect("profile").decide(&message);
            let hits: Vec<(String, std::ops::Range<usize>)> =
                decision.hits.iter().map(|h| (h.rule.to_string(), h.span.clone())).collect();
            // Deny reasons are in the room's language; compare the kind of verdict.
            let verdict = match decision.verdict {
                Verdict::Allow => "allow".to_string(),
                Verdict::Rewrite { content } => content,
                Verdict::Deny { .. } => "deny".to_string(),
            };
            (verdict, hits)
        };
        let english = summary("default");
        for profile in ["multilingual", "es", "pt", "de", "fr"] {
            prop_assert_eq!(&summary(profile), &english, "profile {}", profile);
        }
    }
}
