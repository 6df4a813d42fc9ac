//! Contract tests (docs/ivs-chat.md §1.2–§1.3) driven by the fixtures in `events/review/`,
//! each a review request exactly as IVS Chat sends it, reviewed with `events/review/policy.toml`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ivschat_api::review::{ReviewRequest, ReviewResponse, ReviewResult};
use ivschat_moderation::PolicySet;
use review_handler::{ReviewHandlerError, handle_event};
use serde_json::{Value, json};

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events/review")
}

fn fixture_policy() -> PolicySet {
    PolicySet::from_path(&events_dir().join("policy.toml")).expect("fixture policy compiles")
}

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(events_dir().join(name)).expect("fixture exists");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn review_fixture(name: &str) -> ReviewResponse {
    let response =
        handle_event(&fixture_policy(), fixture(name)).expect("fixture is a valid event");
    response.check_limits().expect("reply within IVS limits");
    response
}

fn deny(content: &str, reason: &str) -> ReviewResponse {
    ReviewResponse {
        review_result: ReviewResult::Deny,
        content: content.to_string(),
        attributes: BTreeMap::from([("Reason".to_string(), reason.to_string())]),
    }
}

fn allow(content: &str, attributes: &[(&str, &str)]) -> ReviewResponse {
    ReviewResponse {
        review_result: ReviewResult::Allow,
        content: content.to_string(),
        attributes: attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[test]
fn every_fixture_is_a_review_request_as_ivs_sends_it() {
    let mut count = 0;
    for entry in std::fs::read_dir(events_dir()).expect("events/review exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).expect("readable fixture");
            let request: Result<ReviewRequest, _> = serde_json::from_str(&text);
            assert!(request.is_ok(), "{}: {:?}", path.display(), request.err());
            let value: Value = serde_json::from_str(&text).expect("JSON");
            for key in ["Content", "MessageId", "RoomArn", "Attributes", "Sender"] {
                assert!(
                    value.get(key).is_some(),
                    "{}: missing {key}",
                    path.display()
                );
            }
            count += 1;
        }
    }
    assert!(
        count >= 7,
        "expected the seven contract fixtures, found {count}"
    );
}

#[test]
fn allows_a_clean_message_unchanged_and_keeps_its_attributes() {
    // GIVEN a clean message with a client attribute WHEN reviewed
    let response = review_fixture("allow.json");
    // THEN it is allowed with the same content and attributes
    assert_eq!(
        response,
        allow(
            "Great stream today, see you all tomorrow!",
            &[("Emote", "wave")]
        )
    );
}

#[test]
fn denies_profanity_hidden_with_invisible_characters_and_gives_the_reason() {
    let response = review_fixture("deny.json");
    assert_eq!(
        response,
        deny(
            "this is f\u{200b}uck\u{ad}ing awesome",
            "Please keep the chat friendly."
        )
    );
}

#[test]
fn masks_a_medium_severity_term_and_keeps_the_rest_byte_for_byte() {
    let response = review_fixture("mask.json");
    assert_eq!(response, allow("that was ****, honestly", &[]));
}

#[test]
fn masks_links_outside_the_allowed_domains() {
    let response = review_fixture("link.json");
    let masked = "*".repeat("evil-example.com/free".chars().count());
    assert_eq!(
        response,
        allow(&format!("watch at twitch.tv/foo or {masked}"), &[])
    );
}

#[test]
fn denies_a_blocked_sender_whatever_the_message() {
    let response = review_fixture("blocked-sender.json");
    assert_eq!(
        response,
        deny("hello everyone", "You cannot send messages in this room.")
    );
}

#[test]
fn lets_a_moderator_token_attribute_bypass_term_rules() {
    let response = review_fixture("trusted-sender.json");
    assert_eq!(response, allow("shit happens, stay calm", &[]));
}

#[test]
fn applies_the_profile_mapped_to_the_room() {
    // GIVEN a room mapped to the stricter "kids" profile WHEN a medium term is sent
    let response = review_fixture("room-profile.json");
    // THEN it is denied with that profile's reason instead of masked
    assert_eq!(
        response,
        deny("that was crap", "This is a family-friendly room.")
    );
}

#[test]
fn serialises_the_reply_with_the_documented_keys() {
    let response = review_fixture("deny.json");
    let value = serde_json::to_value(&response).expect("serialises");
    assert_eq!(value["ReviewResult"], "DENY");
    assert_eq!(
        value["Attributes"]["Reason"],
        "Please keep the chat friendly."
    );
    assert!(value["Content"].is_string());
}

#[test]
fn fails_a_malformed_event_so_ivs_applies_the_fallback_and_keeps_its_message_id() {
    // GIVEN an event without Content
    let event = json!({"MessageId": "Brok3nEv3nt1", "RoomArn": "arn:aws:ivschat:us-east-1:123456789012:room/x", "Sender": {"UserId": "u"}});
    // WHEN handled THEN it is a Lambda error naming the MessageId
    match handle_event(&fixture_policy(), event) {
        Err(ReviewHandlerError::MalformedEvent { message_id, .. }) => {
            assert_eq!(message_id.as_deref(), Some("Brok3nEv3nt1"));
        }
        Ok(response) => panic!("expected an error, got {response:?}"),
    }
}

#[test]
fn fails_an_event_that_is_not_an_object_without_a_message_id() {
    let result = handle_event(&fixture_policy(), json!(["not", "an", "event"]));
    assert!(matches!(
        result,
        Err(ReviewHandlerError::MalformedEvent {
            message_id: None,
            ..
        })
    ));
}

#[test]
fn the_built_in_policy_denies_the_deny_fixture_too() {
    let policy = PolicySet::builtin().expect("built-in policy compiles");
    let response = handle_event(&policy, fixture("deny.json")).expect("valid event");
    assert_eq!(response.review_result, ReviewResult::Deny);
}

fn request(content: &str, attributes: &[(&str, String)]) -> Value {
    let mut event = fixture("allow.json");
    event["Content"] = json!(content);
    event["Attributes"] = attributes
        .iter()
        .map(|(k, v)| ((*k).to_string(), json!(v)))
        .collect::<serde_json::Map<String, Value>>()
        .into();
    event
}

#[test]
fn client_attributes_over_1kb_give_way_to_the_flag_attribute() {
    // GIVEN the built-in policy, which flags insults, and client attributes of 1,100 bytes
    let policy = PolicySet::builtin().expect("built-in policy compiles");
    let big = [("Emote", "x".repeat(1_100))];
    // WHEN a flagged message carries them
    let flagged = handle_event(&policy, request("you are an idiot", &big)).expect("valid");
    // THEN the reply keeps only the flag attribute, within IVS's 1 KB
    assert_eq!(flagged.review_result, ReviewResult::Allow);
    assert_eq!(
        flagged.attributes,
        BTreeMap::from([("Flagged".to_string(), "insult".to_string())])
    );
    flagged.check_limits().expect("within limits");
    // WHEN a clean message carries them THEN they are dropped rather than breaking the reply
    let clean = handle_event(&policy, request("see you tomorrow", &big)).expect("valid");
    assert_eq!(clean.review_result, ReviewResult::Allow);
    assert!(clean.attributes.is_empty(), "{:?}", clean.attributes);
    clean.check_limits().expect("within limits");
}

#[test]
fn client_attributes_within_1kb_are_echoed_beside_the_flag() {
    let policy = PolicySet::builtin().expect("built-in policy compiles");
    let small = [("Emote", "wave".to_string())];
    let flagged = handle_event(&policy, request("you are an idiot", &small)).expect("valid");
    assert_eq!(flagged.attributes["Emote"], "wave");
    assert_eq!(flagged.attributes["Flagged"], "insult");
}

#[test]
fn allowed_text_over_500_code_points_is_denied_with_a_reason_and_cut_content() {
    // GIVEN a clean message of 501 two-byte code points (more than IVS lets a reply carry)
    let policy = PolicySet::builtin().expect("built-in policy compiles");
    let long = "é".repeat(501);
    // WHEN reviewed
    let reply = handle_event(&policy, request(&long, &[])).expect("valid");
    // THEN it is denied with the length reason, and the echoed content fits the limit
    assert_eq!(reply.review_result, ReviewResult::Deny);
    assert_eq!(
        reply.attributes["Reason"],
        "Your message is longer than 500 characters."
    );
    assert_eq!(reply.content.chars().count(), 500);
    reply.check_limits().expect("within limits");
}

/// Every sender is banned until lifted: the lookup the ban check reads, answering at once.
struct EveryoneBanned;

impl toolkit_state::BanLookup for EveryoneBanned {
    fn current_ban<'a>(
        &'a self,
        _room_id: &'a str,
        _user_id: &'a str,
    ) -> toolkit_state::BanLookupFuture<'a> {
        Box::pin(std::future::ready(Ok(Some(toolkit_state::ActiveBan {
            until: None,
            everywhere: false,
        }))))
    }
}

#[tokio::test]
async fn a_ban_denial_is_a_valid_reply_whatever_the_request_held() {
    // GIVEN a banned sender, and requests IVS Chat itself never sends but a direct invoke can:
    // 600 code points of content, and none
    let check = review_handler::bans::CachedBanCheck::new(
        EveryoneBanned,
        review_handler::bans::BanCheckSettings::default(),
    );
    for content in ["é".repeat(600), String::new()] {
        let mut event = fixture("allow.json");
        event["Content"] = Value::from(content.as_str());
        // WHEN it is reviewed
        let response = review_handler::review_event(&fixture_policy(), Some(&check), event)
            .await
            .expect("a valid event");
        // THEN it is denied with the ban's reason, inside IVS Chat's reply limits
        assert_eq!(response.review_result, ReviewResult::Deny);
        assert_eq!(
            response.attributes.get("Reason").map(String::as_str),
            Some("You are banned from this chat.")
        );
        response
            .check_limits()
            .unwrap_or_else(|error| panic!("{} code points: {error}", content.chars().count()));
    }
}
