//! The audit trail. A binary of its own: it installs the global log subscriber.

mod common;

use common::*;
use serde_json::Value;

#[tokio::test]
async fn every_moderation_request_writes_one_audit_line() {
    // GIVEN every log line captured
    let logs = capture_logs();
    let emulator = start_emulator().await;
    let api = api(&emulator);
    // WHEN a moderator deletes a message, a chatter tries to, and a forged webhook tries to
    call(&api, fixture("delete-message-moderator")).await;
    call(&api, fixture("delete-message-chatter")).await;
    call(&api, fixture("webhook-delete-message-bad-signature")).await;
    call(&api, fixture("webhook-send-event-signed")).await;
    // THEN there is exactly one audit line per request, saying who did what, where, and how it
    // ended
    let lines = audit_lines(&logs.text());
    assert_eq!(lines.len(), 4, "{lines:#?}");
    let fields: Vec<&Value> = lines.iter().map(|l| &l["fields"]).collect();

    assert_eq!(
        fields[0]["actor"],
        "user:5b6c7d8e-0002-4a2b-9c3d-moderator001"
    );
    assert_eq!(fields[0]["action"], "delete_message");
    assert_eq!(fields[0]["room"], MANAGED_ROOM);
    assert_eq!(fields[0]["target"], "Msg000000001");
    assert_eq!(fields[0]["reason"], "spam");
    assert_eq!(fields[0]["request_id"], "req-0001");
    assert_eq!(fields[0]["outcome"], "succeeded");

    assert_eq!(
        fields[1]["actor"],
        "user:5b6c7d8e-0001-4a2b-9c3d-chatter00001"
    );
    assert_eq!(fields[1]["outcome"], "refused");
    assert_eq!(fields[1]["code"], "RoleNotAllowed");

    assert_eq!(fields[2]["actor"], "unknown");
    assert_eq!(fields[2]["outcome"], "refused");
    assert_eq!(fields[2]["code"], "InvalidSignature");
    assert_eq!(fields[2]["request_id"], "req-webhook-0001");

    assert_eq!(fields[3]["actor"], "webhook");
    assert_eq!(fields[3]["action"], "send_event");
    assert_eq!(fields[3]["target"], "app:stream_live");
    assert_eq!(fields[3]["outcome"], "succeeded");
}
