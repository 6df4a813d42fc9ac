//! The IVS Chat emulator's journal, read over its admin endpoint: the review of one message (for
//! the page's latency figure) and one readable log line per review and per moderation action.

use std::time::Duration;

use serde_json::{Value as Json, json};

/// The review record of `message_id` in `journal` (`{"entries": [...]}`), with its result.
pub(crate) fn review_of(journal: &Json, message_id: &str) -> Option<Json> {
    let entry = entries(journal).find(|entry| {
        entry.get("action").and_then(Json::as_str) == Some("ReviewMessage")
            && entry.get("messageId").and_then(Json::as_str) == Some(message_id)
    })?;
    let review = entry.get("review")?;
    Some(json!({
        "messageId": message_id,
        "result": review.get("result"),
        "latencyMicros": review.get("latencyMicros"),
        "fallbackApplied": review.get("fallbackApplied"),
        "failure": review.get("failure"),
        "reason": entry.get("reason"),
    }))
}

fn entries(journal: &Json) -> impl Iterator<Item = &Json> {
    journal
        .get("entries")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
}

fn room_id(arn: Option<&str>) -> &str {
    arn.and_then(|a| a.rsplit('/').next()).unwrap_or("?")
}

/// One log line for a journal entry (reviews and moderation actions; message text never).
pub(crate) fn line_for(entry: &Json) -> Option<String> {
    let text = |name: &str| entry.get(name).and_then(Json::as_str);
    let room = room_id(text("roomArn"));
    match text("action")? {
        "ReviewMessage" => {
            let review = entry.get("review")?;
            let result = review.get("result").and_then(Json::as_str).unwrap_or("?");
            let micros = review
                .get("latencyMicros")
                .and_then(Json::as_u64)
                .unwrap_or(0);
            let fallback = if review.get("fallbackApplied").and_then(Json::as_bool) == Some(true) {
                format!(
                    "  fallback ({})",
                    review
                        .get("failure")
                        .and_then(Json::as_str)
                        .unwrap_or("review failed")
                )
            } else {
                String::new()
            };
            let reason = text("reason")
                .map(|r| format!("  reason=\"{r}\""))
                .unwrap_or_default();
            Some(format!(
                "review   room={room} user={} message={} {result}{reason}{fallback}  ({:.2} ms)",
                text("userId").unwrap_or("?"),
                text("messageId").unwrap_or("?"),
                micros as f64 / 1000.0
            ))
        }
        action @ ("DeleteMessage" | "DisconnectUser" | "SendEvent") => {
            let target = text("messageId")
                .map(|m| format!(" message={m}"))
                .or_else(|| text("userId").map(|u| format!(" user={u}")))
                .or_else(|| text("eventName").map(|e| format!(" event={e}")))
                .unwrap_or_default();
            let reason = text("reason")
                .map(|r| format!("  reason=\"{r}\""))
                .unwrap_or_default();
            Some(format!("chat     {action} room={room}{target}{reason}"))
        }
        _ => None,
    }
}

/// Prints a line for every new journal entry of the emulator at `emulator_url`, forever.
pub(crate) async fn tail(http: reqwest::Client, emulator_url: String) {
    let url = format!("{}/_emulator/journal", emulator_url.trim_end_matches('/'));
    let mut seen: u64 = 0;
    let mut interval = tokio::time::interval(Duration::from_millis(250));
    loop {
        interval.tick().await;
        let Ok(response) = http.get(&url).timeout(Duration::from_secs(5)).send().await else {
            continue;
        };
        let Ok(journal) = response.json::<Json>().await else {
            continue;
        };
        for entry in entries(&journal) {
            let sequence = entry.get("sequence").and_then(Json::as_u64).unwrap_or(0);
            if sequence <= seen {
                continue;
            }
            seen = sequence;
            if let Some(line) = line_for(entry) {
                println!("{line}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal() -> Json {
        json!({"entries": [
            {"sequence": 1, "action": "ReviewMessage", "roomArn": "arn:aws:ivschat:us-east-1:1:room/AbC", "userId": "demo-cathy",
             "messageId": "M1", "reason": "Please keep the chat friendly.",
             "review": {"functionArn": "arn:fn", "latencyMicros": 1250, "result": "DENY", "fallbackApplied": false, "failure": null}},
            {"sequence": 2, "action": "DeleteMessage", "roomArn": "arn:aws:ivschat:us-east-1:1:room/AbC", "messageId": "M0", "reason": "spam"},
        ]})
    }

    #[test]
    fn a_review_is_found_by_message_id() {
        let review = review_of(&journal(), "M1").expect("found");
        assert_eq!(review["result"], "DENY");
        assert_eq!(review["latencyMicros"], 1250);
        assert!(review_of(&journal(), "M9").is_none());
    }

    #[test]
    fn one_readable_line_per_review_and_action() {
        let lines: Vec<String> = entries(&journal()).filter_map(line_for).collect();
        assert_eq!(
            lines,
            [
                "review   room=AbC user=demo-cathy message=M1 DENY  reason=\"Please keep the chat friendly.\"  (1.25 ms)",
                "chat     DeleteMessage room=AbC message=M0  reason=\"spam\"",
            ]
        );
    }
}
