//! The moderator routes and the signed webhook, driven with the `events/moderation-api/`
//! fixtures against the local IVS Chat emulator.

mod common;

use common::*;
use http::{HeaderValue, StatusCode, header};
use ivschat_emulator::{FaultKind, FaultRule, FaultTrigger, JournalAction};
use lambda_http::Body;
use moderation_api::ModerationApi;

fn fault(operation: &str, kind: FaultKind) -> FaultRule {
    FaultRule {
        operation: operation.to_owned(),
        kind,
        trigger: FaultTrigger::EveryCall,
        probability: None,
    }
}

// ---- moderator routes -------------------------------------------------------------------

#[tokio::test]
async fn deletes_message_for_a_moderator() {
    // GIVEN a moderator's verified claims and a managed room
    let emulator = start_emulator().await;
    // WHEN they delete a message with a reason
    let response = call(&api(&emulator), fixture("delete-message-moderator")).await;
    // THEN IVS Chat got exactly that DeleteMessage
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        body_json(&response)
    );
    let journal = emulator.journal();
    assert_eq!(journal.len(), 1);
    let entry = &journal[0];
    assert_eq!(entry.action, JournalAction::DeleteMessage);
    assert_eq!(entry.room_arn, room_arn(MANAGED_ROOM));
    assert_eq!(entry.message_id.as_deref(), Some("Msg000000001"));
    assert_eq!(entry.reason.as_deref(), Some("spam"));
    // AND the answer names the action and the operation id
    let body = body_json(&response);
    assert_eq!(body["action"], "delete_message");
    assert_eq!(body["roomId"], MANAGED_ROOM);
    assert_eq!(body["id"], entry.operation_id.as_str());
    assert_eq!(
        response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://chat.example.com"
    );
}

#[tokio::test]
async fn disconnects_user_for_a_moderator() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("disconnect-user-moderator")).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        body_json(&response)
    );
    let journal = emulator.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].action, JournalAction::DisconnectUser);
    assert_eq!(journal[0].user_id.as_deref(), Some("user-troll-7"));
    assert_eq!(journal[0].reason.as_deref(), Some("harassment"));
    assert_eq!(body_json(&response)["action"], "disconnect_user");
}

#[tokio::test]
async fn sends_an_allowed_event_for_a_moderator() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("send-event-moderator")).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        body_json(&response)
    );
    let journal = emulator.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].action, JournalAction::SendEvent);
    assert_eq!(journal[0].event_name.as_deref(), Some("app:poll_started"));
    assert_eq!(journal[0].attributes["pollId"], "p-1");
}

#[tokio::test]
async fn rejects_moderation_request_without_jwt_claims() {
    // GIVEN a request that did not pass the JWT authorizer
    // WHEN it asks to delete a message THEN it is unauthorized and nothing is sent
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("delete-message-no-claims")).await;
    assert_error(&response, 401, "Unauthorized", None);
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn refuses_moderation_by_callers_without_a_moderator_role() {
    let emulator = start_emulator().await;
    let api = api(&emulator);
    for name in [
        "delete-message-chatter",
        "disconnect-user-viewer",
        "send-event-chatter",
    ] {
        let response = call(&api, fixture(name)).await;
        assert_error(&response, 403, "RoleNotAllowed", None);
    }
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn refuses_event_names_with_the_reserved_aws_prefix() {
    // GIVEN a moderator WHEN they try to fake the system event aws:DELETE_MESSAGE
    // THEN it is refused naming the field, and nothing is sent
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("send-event-aws-prefix")).await;
    assert_error(&response, 400, "InvalidInput", Some("eventName"));
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn refuses_event_names_not_in_the_allow_list() {
    // GIVEN an allow-list of app:poll_started and app:stream_live
    let emulator = start_emulator().await;
    // WHEN a moderator broadcasts the sample's app:DELETE_BY_USER
    let response = call(&api(&emulator), fixture("send-event-not-in-allow-list")).await;
    // THEN it is refused and nothing is sent
    assert_error(&response, 403, "EventNameNotAllowed", Some("eventName"));
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn refuses_moderation_in_rooms_this_deployment_does_not_manage() {
    // GIVEN rooms tagged for another deployment or not tagged at all
    // WHEN a moderator acts in them THEN they are refused and nothing is sent
    let emulator = start_emulator().await;
    let api = api(&emulator);
    for name in [
        "delete-message-other-deployment-room",
        "send-event-unmanaged-room",
    ] {
        let response = call(&api, fixture(name)).await;
        assert_error(&response, 403, "RoomNotAllowed", None);
    }
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn rejects_malformed_message_id_naming_the_field() {
    let emulator = start_emulator().await;
    let response = call(
        &api(&emulator),
        fixture("delete-message-invalid-message-id"),
    )
    .await;
    assert_error(&response, 400, "InvalidInput", Some("messageId"));
}

#[tokio::test]
async fn rejects_unknown_body_fields_naming_them() {
    let emulator = start_emulator().await;
    let mut request = fixture("delete-message-moderator");
    *request.body_mut() = Body::Text(r#"{"reason":"spam","userId":"someone-else"}"#.into());
    let response = call(&api(&emulator), request).await;
    assert_error(&response, 400, "InvalidInput", Some("userId"));
}

#[tokio::test]
async fn answers_405_with_allow_header_for_other_methods() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("get-events")).await;
    assert_error(&response, 405, "MethodNotAllowed", None);
    assert_eq!(response.headers()[header::ALLOW], "POST, OPTIONS");
}

#[tokio::test]
async fn answers_cors_preflight_for_moderator_routes() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("options-events-preflight")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://chat.example.com"
    );
}

#[tokio::test]
async fn answers_429_with_retry_after_when_ivs_throttles() {
    // GIVEN IVS Chat throttling every DeleteMessage
    // WHEN a moderator deletes a message THEN they are told to retry later
    let emulator = start_emulator().await;
    emulator
        .set_fault(fault("DeleteMessage", FaultKind::Throttle))
        .expect("valid fault");
    let response = call(&api(&emulator), fixture("delete-message-moderator")).await;
    assert_error(&response, 429, "Throttled", None);
    assert_eq!(response.headers()[header::RETRY_AFTER], "1");
}

#[tokio::test]
async fn answers_502_without_detail_when_ivs_fails() {
    let emulator = start_emulator().await;
    emulator
        .set_fault(fault("SendEvent", FaultKind::InternalError))
        .expect("valid fault");
    let response = call(&api(&emulator), fixture("send-event-moderator")).await;
    assert_eq!(
        body_json(&response),
        serde_json::json!({"error": {"code": "UpstreamFailure",
            "message": "the chat service could not complete the request"}})
    );
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
}

// ---- webhook ----------------------------------------------------------------------------

#[tokio::test]
async fn webhook_with_a_valid_signature_deletes_the_message() {
    // GIVEN the fixture signed with the test secret at FIXTURE_SIGNED_AT, and a clock there
    let emulator = start_emulator().await;
    // WHEN it is delivered
    let response = call(&api(&emulator), fixture("webhook-delete-message-signed")).await;
    // THEN the message is deleted as the body says
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        body_json(&response)
    );
    let journal = emulator.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].action, JournalAction::DeleteMessage);
    assert_eq!(journal[0].message_id.as_deref(), Some("Msg000000002"));
    assert_eq!(journal[0].reason.as_deref(), Some("flagged by classifier"));
}

#[tokio::test]
async fn webhook_with_a_valid_signature_disconnects_and_sends_events() {
    let emulator = start_emulator().await;
    let api = api(&emulator);
    for name in [
        "webhook-disconnect-user-signed",
        "webhook-send-event-signed",
    ] {
        let response = call(&api, fixture(name)).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{name}: {}",
            body_json(&response)
        );
    }
    let journal = emulator.journal();
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[0].action, JournalAction::DisconnectUser);
    assert_eq!(journal[0].user_id.as_deref(), Some("user-troll-7"));
    assert_eq!(journal[1].action, JournalAction::SendEvent);
    assert_eq!(journal[1].event_name.as_deref(), Some("app:stream_live"));
}

#[tokio::test]
async fn rejects_webhook_signed_with_another_secret() {
    // GIVEN a webhook call with a fresh timestamp but signed with the wrong secret
    // WHEN it is delivered THEN it is unauthorized and nothing is sent
    let emulator = start_emulator().await;
    let response = call(
        &api(&emulator),
        fixture("webhook-delete-message-bad-signature"),
    )
    .await;
    assert_error(&response, 401, "InvalidSignature", None);
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn rejects_unsigned_webhook() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("webhook-unsigned")).await;
    assert_error(&response, 401, "InvalidSignature", None);
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn rejects_webhook_whose_body_was_changed_after_signing() {
    let emulator = start_emulator().await;
    let mut request = fixture("webhook-delete-message-signed");
    *request.body_mut() = Body::Text(
        r#"{"action":"delete_message","roomId":"ManagedRoom1","messageId":"Msg000000003"}"#.into(),
    );
    let response = call(&api(&emulator), request).await;
    assert_error(&response, 401, "InvalidSignature", None);
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn rejects_replayed_webhook_older_than_five_minutes() {
    // GIVEN a correctly signed request delivered 301 s after it was signed
    let emulator = start_emulator().await;
    let api = api_at(&emulator, FIXTURE_SIGNED_AT + 301);
    // WHEN it arrives
    let response = call(&api, fixture("webhook-delete-message-signed")).await;
    // THEN it is refused as stale
    assert_error(&response, 401, "InvalidSignature", None);
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn rejects_webhook_timestamped_more_than_five_minutes_ahead() {
    let emulator = start_emulator().await;
    let api = api_at(&emulator, FIXTURE_SIGNED_AT - 301);
    let response = call(&api, fixture("webhook-delete-message-signed")).await;
    assert_error(&response, 401, "InvalidSignature", None);
}

#[tokio::test]
async fn accepts_webhook_within_the_five_minute_window() {
    let emulator = start_emulator().await;
    let api = api_at(&emulator, FIXTURE_SIGNED_AT + 299);
    let response = call(&api, fixture("webhook-delete-message-signed")).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn webhook_refuses_reserved_event_names() {
    let emulator = start_emulator().await;
    let response = call(
        &api(&emulator),
        fixture("webhook-send-event-aws-prefix-signed"),
    )
    .await;
    assert_error(&response, 400, "InvalidInput", Some("eventName"));
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn webhook_refuses_rooms_of_another_deployment() {
    let emulator = start_emulator().await;
    let response = call(
        &api(&emulator),
        fixture("webhook-delete-message-other-deployment-signed"),
    )
    .await;
    assert_error(&response, 403, "RoomNotAllowed", None);
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn webhook_route_is_off_without_a_secret() {
    let emulator = start_emulator().await;
    let mut vars = env();
    vars.remove("WEBHOOK_SECRET");
    let config = config_from(&vars);
    let api = ModerationApi::new(config, client(&emulator))
        .with_clock(http_api::FixedClock::at_unix_seconds(FIXTURE_SIGNED_AT));
    let response = call(&api, fixture("webhook-delete-message-signed")).await;
    assert_error(&response, 404, "NotFound", None);
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn webhook_sends_no_cors_headers_even_to_a_listed_origin() {
    let emulator = start_emulator().await;
    let mut request = fixture("webhook-delete-message-signed");
    request.headers_mut().insert(
        header::ORIGIN,
        HeaderValue::from_static("https://chat.example.com"),
    );
    let response = call(&api(&emulator), request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        !response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );
}
