//! The audit trail of ban actions. A binary of its own: it installs the global log subscriber.

mod common;

use common::*;
use serde_json::Value;

#[tokio::test]
async fn every_ban_action_writes_one_audit_line() {
    // GIVEN every log line captured
    let logs = capture_logs();
    let emulator = start_emulator().await;
    let api = api(&emulator);
    // WHEN a moderator bans, a chatter tries to, the moderator unbans, and a webhook times out
    call(&api, fixture("ban-user-moderator")).await;
    call(&api, fixture("ban-user-chatter")).await;
    call(&api, fixture("unban-user-moderator")).await;
    call(&api, fixture("webhook-timeout-user-signed")).await;
    // THEN one audit line per request says who did what to whom, where, why and how it ended
    let lines = audit_lines(&logs.text());
    assert_eq!(lines.len(), 4, "{lines:#?}");
    let fields: Vec<&Value> = lines.iter().map(|l| &l["fields"]).collect();
    let expect = [
        (
            "user:5b6c7d8e-0002-4a2b-9c3d-moderator001",
            "ban_user",
            "hate speech",
            "succeeded",
        ),
        (
            "user:5b6c7d8e-0001-4a2b-9c3d-chatter00001",
            "ban_user",
            "-",
            "refused",
        ),
        (
            "user:5b6c7d8e-0002-4a2b-9c3d-moderator001",
            "unban_user",
            "appeal accepted",
            "succeeded",
        ),
        ("webhook", "timeout_user", "spam", "succeeded"),
    ];
    for (line, (actor, action, reason, outcome)) in fields.iter().zip(expect) {
        assert_eq!(line["actor"], actor, "{line}");
        assert_eq!(line["action"], action, "{line}");
        assert_eq!(line["room"], MANAGED_ROOM, "{line}");
        assert_eq!(line["outcome"], outcome, "{line}");
        if outcome == "succeeded" {
            assert_eq!(line["target"], "user-troll-7", "{line}");
            assert_eq!(line["reason"], reason, "{line}");
        }
    }
    assert_eq!(fields[1]["code"], "RoleNotAllowed");
}
