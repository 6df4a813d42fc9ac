//! What the review handler logs at the level it runs at in production (INFO): one decision line
//! per message with ids, result and rules, and never the message text, which only appears at
//! DEBUG. One test in this binary: the subscriber is process-wide.

use std::io::Write;
use std::sync::{Arc, Mutex};

use ivschat_moderation::PolicySet;
use lambda_runtime::tracing;
use lambda_runtime::tracing::subscriber::util::SubscriberInitExt;
use review_handler::handle_event;
use serde_json::json;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn message_text_stays_out_of_the_logs_below_debug() {
    // GIVEN the handler logging JSON at INFO, as it runs in Lambda by default
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing::subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();
    subscriber.try_init().expect("first subscriber");
    let policy = PolicySet::builtin().expect("built-in policy compiles");
    // WHEN a clean, a masked and a denied message are reviewed, and one event is malformed
    for content in [
        "canary-clean-7f3a see you tomorrow",
        "canary-masked-7f3a what the fuck",
        "canary-denied-7f3a kill yourself",
    ] {
        let event = json!({
            "Content": content,
            "MessageId": "Z9kLm3PqR7sT",
            "RoomArn": "arn:aws:ivschat:us-east-1:123456789012:room/abcdEFGH1234",
            "Attributes": {},
            "Sender": {"Attributes": {}, "UserId": "viewer-17", "Ip": "203.0.113.10"}
        });
        handle_event(&policy, event).expect("valid event");
    }
    let malformed = json!({"MessageId": "Q1w2E3r4T5y6", "Content": "canary-malformed-7f3a"});
    assert!(handle_event(&policy, malformed).is_err());
    // THEN each decision is logged with its id and result, and no text appears anywhere
    let logs = String::from_utf8(captured.0.lock().expect("log lock").clone()).expect("utf-8");
    assert_eq!(logs.matches("review decision").count(), 3, "{logs}");
    assert!(logs.contains("Z9kLm3PqR7sT"), "{logs}");
    assert!(
        logs.contains("Q1w2E3r4T5y6"),
        "the malformed event's id is logged: {logs}"
    );
    assert!(
        !logs.contains("canary"),
        "message text leaked into INFO logs: {logs}"
    );
    assert!(
        !logs.contains("fuck") && !logs.contains("kill yourself"),
        "{logs}"
    );
}
