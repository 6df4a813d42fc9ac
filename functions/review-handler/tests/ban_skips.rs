//! Every ban check that gets no fresh answer is logged: why (`timeout`, `recent-failure`, ...)
//! and what was applied. One test in this binary: the subscriber is process-wide.

use ivschat_moderation::PolicySet;
use review_handler::bans::{BanCheckSettings, CachedBanCheck};
use review_handler::review_event;
use serde_json::{Value, json};
use toolkit_test_support::capture_logs;

/// A table that never answers.
struct Stalled;

impl toolkit_state::BanLookup for Stalled {
    fn current_ban<'a>(
        &'a self,
        _room_id: &'a str,
        _user_id: &'a str,
    ) -> toolkit_state::BanLookupFuture<'a> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn every_skipped_check_is_logged_with_why_and_what_was_applied() {
    // GIVEN every log line captured (JSON), and a table that never answers
    let logs = capture_logs();
    let gate = CachedBanCheck::new(Stalled, BanCheckSettings::default());
    let policy = PolicySet::builtin().expect("built-in policy compiles");
    // WHEN one sender writes twice
    for _ in 0..2 {
        let event = json!({
            "Content": "hello", "MessageId": "A1b2C3d4E5f6",
            "RoomArn": "arn:aws:ivschat:us-east-1:123456789012:room/ManagedRoom1",
            "Attributes": {},
            "Sender": {"Attributes": {}, "UserId": "viewer-1", "Ip": "203.0.113.10"}
        });
        review_event(&policy, Some(&gate), event)
            .await
            .expect("reviewed");
    }
    // THEN each message's skipped check has its warning: the first timed out, the second
    // skipped the read after that failure; both failed open
    let text = logs.text();
    let skipped: Vec<Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| {
            line["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("ban check skipped"))
        })
        .collect();
    assert_eq!(skipped.len(), 2, "{text}");
    let reasons: Vec<&Value> = skipped.iter().map(|l| &l["fields"]["reason"]).collect();
    assert_eq!(reasons, [&json!("timeout"), &json!("recent-failure")]);
    for line in &skipped {
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["fields"]["applied"], "allow");
        assert_eq!(line["fields"]["user_id"], "viewer-1");
        assert_eq!(line["fields"]["room_id"], "ManagedRoom1");
    }
}
