//! Audit lines hold only checked, bounded values. A binary of its own: it installs the global
//! log subscriber.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn audit_lines_hold_only_validated_bounded_values() {
    // GIVEN every log line captured
    let logs = capture_logs();
    let emulator = start_emulator().await;
    let api = api(&emulator);
    // WHEN a moderator sends a 100,000-character reason, and a path with a 5,000-character
    // room id
    let huge_reason = "r".repeat(100_000);
    let request = fixture_with(
        env!("CARGO_MANIFEST_DIR"),
        "moderation-api",
        "delete-message-moderator",
        |e| e["body"] = json!(json!({"reason": huge_reason}).to_string()),
    );
    let refused = call(&api, request).await;
    assert_error(&refused, 413, "PayloadTooLarge", Some("body"));
    let long_reason = "r".repeat(2_000);
    let request = fixture_with(
        env!("CARGO_MANIFEST_DIR"),
        "moderation-api",
        "delete-message-moderator",
        |e| e["body"] = json!(json!({"reason": long_reason}).to_string()),
    );
    let invalid = call(&api, request).await;
    assert_error(&invalid, 400, "InvalidInput", Some("reason"));
    let room = "R".repeat(5_000);
    let request = fixture_with(
        env!("CARGO_MANIFEST_DIR"),
        "moderation-api",
        "delete-message-moderator",
        |e| {
            let path = format!("/rooms/{room}/messages/Msg000000001/delete");
            e["rawPath"] = json!(path);
            e["requestContext"]["http"]["path"] = json!(path);
        },
    );
    let bad_room = call(&api, request).await;
    assert_eq!(bad_room.status().as_u16(), 400);
    // THEN every request wrote one line, none holds the unchecked reason, and every field is
    // bounded with the outcome intact
    let lines: Vec<Value> = logs
        .text()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["target"] == "audit")
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    for line in &lines {
        assert!(line.to_string().len() < 4_096, "{}", line.to_string().len());
        assert_eq!(line["fields"]["outcome"], "refused");
    }
    // the refused reasons were never copied; the third request's reason was valid
    assert_eq!(lines[0]["fields"]["reason"], "-");
    assert_eq!(lines[1]["fields"]["reason"], "-");
    assert_eq!(lines[2]["fields"]["reason"], "spam");
    assert_eq!(lines[1]["fields"]["code"], "InvalidInput");
    let logged_room = lines[2]["fields"]["room"].as_str().expect("room");
    assert_eq!(logged_room.chars().count(), 256);
}
