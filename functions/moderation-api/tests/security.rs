//! Regression tests for the moderation API's part of the security hardening
//! (docs/security.md), through the handler over the API Gateway event shape, against the local
//! IVS Chat emulator and a real DynamoDB-compatible server on loopback for seen nonces.

mod common;

use common::*;
use http::StatusCode;
use http_api::WebhookSecret;
use ivschat_emulator::JournalAction;
use moderation_api::ModerationApi;
use serde_json::{Value, json};

const PATH: &str = "/webhooks/moderation";

fn secret() -> WebhookSecret {
    WebhookSecret::new("WEBHOOK_SECRET", TEST_WEBHOOK_SECRET.as_bytes()).expect("test secret")
}

/// The signed delete-message fixture, its body and headers changed by `edit`.
fn webhook_with(edit: impl FnOnce(&mut Value)) -> lambda_http::Request {
    fixture_with(
        env!("CARGO_MANIFEST_DIR"),
        "moderation-api",
        "webhook-delete-message-signed",
        edit,
    )
}

/// A webhook with `body`, signed with v2 at the fixture time with `nonce`.
fn signed_webhook(body: &str, nonce: &str) -> lambda_http::Request {
    let signature = secret().sign_v2("POST", PATH, FIXTURE_SIGNED_AT, nonce, body.as_bytes());
    webhook_with(|e| {
        e["body"] = json!(body);
        e["headers"]["x-signature-nonce"] = json!(nonce);
        e["headers"]["x-signature"] = json!(signature);
    })
}

#[tokio::test]
async fn any_timestamp_header_is_a_401_never_a_crash() {
    // GIVEN the header values that once overflowed the clock arithmetic, and other junk
    let emulator = start_emulator().await;
    let api = api(&emulator);
    let many_digits = "9".repeat(4_000);
    for value in [
        "18446744073709551615",
        "99999999999999999999999",
        many_digits.as_str(),
        "-1",
        "",
        "1767225600.5",
    ] {
        // WHEN a webhook carries it
        let request = webhook_with(|e| e["headers"]["x-signature-timestamp"] = json!(value));
        let response = call(&api, request).await;
        // THEN it is a clean 401 and nothing is sent
        assert_error(&response, 401, "InvalidSignature", None);
    }
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn a_signature_header_with_too_many_or_malformed_entries_is_a_401() {
    let emulator = start_emulator().await;
    let api = api(&emulator);
    let zero = format!("v2={}", "0".repeat(64));
    for value in [
        [zero.as_str(); 5].join(","),
        "v2=".to_owned() + &"a".repeat(100_000),
        ",".repeat(10_000),
        "sha256=abc".to_owned(),
    ] {
        let request = webhook_with(|e| e["headers"]["x-signature"] = json!(value));
        let response = call(&api, request).await;
        assert_error(&response, 401, "InvalidSignature", None);
        assert!(response.body().len() < 500);
    }
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn an_oversized_webhook_body_is_refused_before_it_is_hashed() {
    let emulator = start_emulator().await;
    let request = webhook_with(|e| e["body"] = json!("x".repeat(17 * 1024)));
    let response = call(&api(&emulator), request).await;
    assert_error(&response, 413, "PayloadTooLarge", Some("body"));
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn a_replayed_webhook_is_refused_with_409_and_acts_once() {
    // GIVEN a correctly signed webhook delivered once
    let emulator = start_emulator().await;
    let api = api(&emulator);
    let first = call(&api, fixture("webhook-delete-message-signed")).await;
    assert_eq!(first.status(), StatusCode::OK, "{}", body_json(&first));
    // WHEN the very same request is delivered again inside the window
    let again = call(&api, fixture("webhook-delete-message-signed")).await;
    // THEN it is refused as a replay and the message was deleted once
    assert_error(&again, 409, "ReplayDetected", None);
    assert_eq!(emulator.journal().len(), 1);
}

#[tokio::test]
async fn replay_protection_holds_across_instances() {
    // GIVEN two warm instances sharing one state table
    let emulator = start_emulator().await;
    let table = state_table().await;
    let instance = || {
        ModerationApi::new(config(), client(&emulator))
            .with_clock(http_api::FixedClock::at_unix_seconds(FIXTURE_SIGNED_AT))
            .with_state_table(table.clone())
    };
    let (a, b) = (instance(), instance());
    // WHEN the same signed request reaches both
    let first = call(&a, fixture("webhook-send-event-signed")).await;
    let second = call(&b, fixture("webhook-send-event-signed")).await;
    // THEN only the first acts
    assert_eq!(first.status(), StatusCode::OK, "{}", body_json(&first));
    assert_error(&second, 409, "ReplayDetected", None);
    assert_eq!(emulator.journal().len(), 1);
}

#[tokio::test]
async fn a_fresh_nonce_with_a_fresh_signature_is_accepted() {
    let emulator = start_emulator().await;
    let api = api(&emulator);
    let body = r#"{"action":"delete_message","roomId":"ManagedRoom1","messageId":"Msg000000009"}"#;
    for nonce in ["first-nonce-000000001", "second-nonce-00000002"] {
        let response = call(&api, signed_webhook(body, nonce)).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{}",
            body_json(&response)
        );
    }
    assert_eq!(emulator.journal().len(), 2);
}

#[tokio::test]
async fn the_v2_signature_binds_method_and_path() {
    // GIVEN a request signed for POST /webhooks/moderation, replayed with another path spelling
    let emulator = start_emulator().await;
    let request = webhook_with(|e| {
        e["rawPath"] = json!("/webhooks//moderation");
        e["requestContext"]["http"]["path"] = json!("/webhooks//moderation");
    });
    let response = call(&api(&emulator), request).await;
    assert_error(&response, 401, "InvalidSignature", None);
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn legacy_v1_signatures_are_refused_by_default() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("webhook-delete-message-signed-v1")).await;
    assert_error(&response, 401, "InvalidSignature", None);
    assert!(
        body_json(&response)["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("sign with v2"))
    );
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn legacy_v1_signatures_work_when_accepted_and_cannot_be_replayed() {
    // GIVEN a deployment migrating its senders, with WEBHOOK_ACCEPT_V1=true
    let emulator = start_emulator().await;
    let mut vars = env();
    vars.insert("WEBHOOK_ACCEPT_V1", "true");
    let api = api_with(config_from(&vars), &emulator, FIXTURE_SIGNED_AT);
    // WHEN a v1 request arrives twice
    let first = call(&api, fixture("webhook-delete-message-signed-v1")).await;
    let again = call(&api, fixture("webhook-delete-message-signed-v1")).await;
    // THEN it acts once
    assert_eq!(first.status(), StatusCode::OK, "{}", body_json(&first));
    assert_error(&again, 409, "ReplayDetected", None);
    assert_eq!(emulator.journal().len(), 1);
    assert_eq!(emulator.journal()[0].action, JournalAction::DeleteMessage);
}

#[tokio::test]
async fn a_signed_body_with_a_repeated_key_is_refused() {
    // GIVEN a signed body naming the message twice
    let emulator = start_emulator().await;
    let body = r#"{"action":"delete_message","roomId":"ManagedRoom1","messageId":"Msg000000001","messageId":"Msg000000002"}"#;
    let response = call(
        &api(&emulator),
        signed_webhook(body, "dup-key-nonce-0000001"),
    )
    .await;
    // THEN it is refused naming the body; nothing is deleted
    assert_error(&response, 400, "InvalidInput", Some("body"));
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn without_a_state_table_webhooks_fail_closed() {
    let emulator = start_emulator().await;
    let api = ModerationApi::new(config(), client(&emulator))
        .with_clock(http_api::FixedClock::at_unix_seconds(FIXTURE_SIGNED_AT));
    let response = call(&api, fixture("webhook-delete-message-signed")).await;
    assert_error(&response, 502, "UpstreamFailure", None);
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn an_unreachable_state_table_fails_closed_without_detail() {
    let emulator = start_emulator().await;
    let table = toolkit_state::StateTable::new(dynamodb_client(&dynamodb_url()), "no-such-table");
    let api = ModerationApi::new(config(), client(&emulator))
        .with_clock(http_api::FixedClock::at_unix_seconds(FIXTURE_SIGNED_AT))
        .with_state_table(table);
    let response = call(&api, fixture("webhook-delete-message-signed")).await;
    assert_error(&response, 502, "UpstreamFailure", None);
    assert!(!body_json(&response).to_string().contains("no-such-table"));
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn a_hung_state_table_gets_a_502_well_inside_a_second_on_routes_and_webhook() {
    // GIVEN a state table that accepts connections and never answers, built with the
    // moderation API's own timeouts
    let emulator = start_emulator().await;
    let table = state_table_at(
        &hung_endpoint().await,
        "state",
        toolkit_state::StateTimeouts::REQUEST_PATH,
    )
    .await;
    let api = ModerationApi::new(config(), client(&emulator))
        .with_clock(http_api::FixedClock::at_unix_seconds(FIXTURE_SIGNED_AT))
        .with_state_table(table);
    // WHEN a moderator bans, and a signed webhook deletes a message
    for name in ["ban-user-moderator", "webhook-delete-message-signed"] {
        let started = std::time::Instant::now();
        let response =
            tokio::time::timeout(std::time::Duration::from_secs(9), call(&api, fixture(name)))
                .await
                .expect("an answer before the 10 s Lambda timeout");
        // THEN each gets the documented 502 within the state table's budget, far inside the
        // 10 s Lambda timeout, and nothing reached IVS Chat
        assert_error(&response, 502, "UpstreamFailure", None);
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_millis(2500),
            "{name} took {took:?}"
        );
        assert!(emulator.journal().is_empty(), "{name}");
    }
}
