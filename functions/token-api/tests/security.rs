//! Regression tests for the token API's part of the security hardening (docs/security.md):
//! claims parsing, display names, bodies and error echo, each through the handler over the API
//! Gateway event shape against the local IVS Chat emulator.

mod common;

use std::path::Path;

use common::*;
use http::StatusCode;
use ivschat_moderation::{MessageContext, PolicySet};
use serde_json::{Value, json};

fn chatter_with(edit: impl FnOnce(&mut Value)) -> lambda_http::Request {
    fixture_with(
        env!("CARGO_MANIFEST_DIR"),
        "token-api",
        "post-token-chatter",
        edit,
    )
}

fn set_claim(event: &mut Value, claim: &str, value: &str) {
    event["requestContext"]["authorizer"]["jwt"]["claims"][claim] = json!(value);
}

fn minted_attributes(
    emulator: &ivschat_emulator::RunningEmulator,
    response: &lambda_http::Response<lambda_http::Body>,
) -> std::collections::BTreeMap<String, String> {
    assert_eq!(response.status(), StatusCode::OK, "{}", body_json(response));
    let token = body_json(response)["token"]
        .as_str()
        .expect("token")
        .to_owned();
    emulator
        .verify_chat_token(&token)
        .expect("the emulator issued it")
        .attributes
}

#[tokio::test]
async fn a_group_name_with_a_comma_never_becomes_two_roles() {
    // GIVEN a user whose only group is named "viewer,moderator", flattened by API Gateway
    let emulator = start_emulator().await;
    let request = chatter_with(|e| set_claim(e, "cognito:groups", "[viewer,moderator]"));
    // WHEN they ask for a token
    let response = call(&api(&emulator), request).await;
    // THEN the name is no role at all: no moderator capabilities, no token
    assert_error(&response, 403, "RoleNotAllowed", None);
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn flattened_roles_split_on_whitespace_only() {
    // GIVEN API Gateway's flattened form with tabs and several spaces
    let emulator = start_emulator().await;
    let request = chatter_with(|e| set_claim(e, "cognito:groups", "[ viewer\t chatter ]"));
    // WHEN a token is minted
    let response = call(&api(&emulator), request).await;
    // THEN both roles count, in the canonical attribute form
    assert_eq!(
        minted_attributes(&emulator, &response)["role"],
        "chatter,viewer"
    );
}

#[tokio::test]
async fn a_moderator_with_several_roles_keeps_the_review_handlers_trusted_bypass() {
    // GIVEN a moderator who is also a chatter, and the review policy that trusts role=moderator
    let emulator = start_emulator().await;
    let request = chatter_with(|e| set_claim(e, "cognito:groups", "[chatter moderator]"));
    let response = call(&api(&emulator), request).await;
    let attributes = minted_attributes(&emulator, &response);
    // THEN the token carries the canonical multi-role form
    assert_eq!(attributes["role"], "chatter,moderator");
    // AND the review engine treats a message from that token as a trusted sender's
    let policy_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/review/policy.toml");
    let policy = PolicySet::load(Some(&policy_path)).expect("fixture policy compiles");
    let profile = policy.profile_for_room("arn:aws:ivschat:us-east-1:123456789012:room/x");
    let message = MessageContext {
        content: "hello",
        user_id: "mod-2",
        sender_attributes: &attributes,
    };
    assert!(profile.is_trusted(&message));
    // AND a role list that only contains "moderator" as part of a longer name does not
    let lookalike = std::collections::BTreeMap::from([(
        "role".to_owned(),
        "chatter,moderator-emeritus".to_owned(),
    )]);
    assert!(!profile.is_trusted(&MessageContext {
        sender_attributes: &lookalike,
        ..message
    }));
}

#[tokio::test]
async fn display_names_lose_bidi_and_invisible_characters_and_are_capped() {
    // GIVEN a display name claim using a right-to-left override, zero-width characters and
    // 500 more characters
    let emulator = start_emulator().await;
    let name = format!("\u{202E}nimda\u{202C}\u{200B}{}", "x".repeat(500));
    let request = chatter_with(|e| set_claim(e, "preferred_username", &name));
    // WHEN a token is minted
    let response = call(&api(&emulator), request).await;
    let attributes = minted_attributes(&emulator, &response);
    // THEN the token's display name has neither, and is at most 64 characters
    let shown = &attributes["displayName"];
    assert!(shown.starts_with("nimdax"), "{shown}");
    assert_eq!(shown.chars().count(), 64);
}

#[tokio::test]
async fn a_display_name_of_invisible_characters_only_is_left_out() {
    let emulator = start_emulator().await;
    let request = chatter_with(|e| set_claim(e, "preferred_username", "\u{2066}\u{200B}\u{2069}"));
    let response = call(&api(&emulator), request).await;
    assert!(!minted_attributes(&emulator, &response).contains_key("displayName"));
}

#[tokio::test]
async fn duplicate_body_keys_are_refused() {
    // GIVEN a body naming the session length twice: an upstream signer may read the first,
    // a parser the last
    let emulator = start_emulator().await;
    let request = chatter_with(|e| {
        e["body"] = json!(r#"{"sessionDurationInMinutes":5,"sessionDurationInMinutes":60}"#);
    });
    // WHEN it is sent THEN it is refused naming the body, and nothing is minted
    let response = call(&api(&emulator), request).await;
    assert_error(&response, 400, "InvalidInput", Some("body"));
    assert!(
        body_json(&response)["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("must not repeat a key"))
    );
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn error_bodies_never_echo_unbounded_input() {
    // GIVEN a body with a 10,000-character unknown field name
    let emulator = start_emulator().await;
    let key = "k".repeat(10_000);
    let request = chatter_with(|e| e["body"] = json!(format!(r#"{{"{key}":1}}"#)));
    // WHEN it is refused
    let response = call(&api(&emulator), request).await;
    // THEN the error names a cut field and the whole body stays small
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.body().len() < 1_000, "{}", response.body().len());
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let emulator = start_emulator().await;
    let request = chatter_with(|e| e["body"] = json!(" ".repeat(20_000)));
    let response = call(&api(&emulator), request).await;
    assert_error(&response, 413, "PayloadTooLarge", Some("body"));
}

#[tokio::test]
async fn random_room_ids_cannot_drain_the_accounts_getroom_rate() {
    // GIVEN a token API allowing each caller 3 room lookups a minute
    let emulator = start_emulator().await;
    let env: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::from([
        ("DEPLOYMENT_NAME", DEPLOYMENT),
        ("AWS_REGION", REGION),
        ("AWS_ACCOUNT_ID", ACCOUNT),
        ("ROOM_LOOKUPS_PER_CALLER_PER_MINUTE", "3"),
        ("ROOM_LOOKUPS_PER_SECOND", "5"),
    ]);
    let config = token_api::TokenApiConfig::from_source(&env).expect("valid");
    let api = token_api::TokenApi::new(config, client(&emulator));
    let for_room = |room: String| {
        chatter_with(move |e| {
            let path = format!("/rooms/{room}/tokens");
            e["rawPath"] = json!(path);
            e["requestContext"]["http"]["path"] = json!(path);
        })
    };
    // AND a token already issued in a managed room (its lookup is cached)
    let first = call(&api, fixture("post-token-chatter")).await;
    assert_eq!(first.status(), StatusCode::OK, "{}", body_json(&first));
    // WHEN the same caller asks for tokens in random well-formed rooms that do not exist
    for i in 0..2 {
        let response = call(&api, for_room(format!("Random{i:06}"))).await;
        assert_error(&response, 404, "RoomNotFound", None);
    }
    // AND GetRoom would now fail if it were called
    emulator
        .set_fault(ivschat_emulator::FaultRule {
            operation: "GetRoom".to_owned(),
            kind: ivschat_emulator::FaultKind::InternalError,
            trigger: ivschat_emulator::FaultTrigger::EveryCall,
            probability: None,
        })
        .expect("valid fault");
    // THEN the next unknown room is refused with 429 and Retry-After, without calling GetRoom
    let rationed = call(&api, for_room("Random000099".to_owned())).await;
    assert_error(&rationed, 429, "Throttled", None);
    assert!(rationed.headers().contains_key(http::header::RETRY_AFTER));
    // AND the managed room, already known, is still served from the cache
    let known = call(&api, fixture("post-token-chatter")).await;
    assert_eq!(known.status(), StatusCode::OK, "{}", body_json(&known));
}
