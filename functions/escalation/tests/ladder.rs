//! The escalation ladder, driven by review-handler decision lines delivered as CloudWatch Logs
//! subscription events (gzip and base64, as AWS delivers them), against the local IVS Chat
//! emulator and the loopback DynamoDB-compatible server (moto, started by scripts/test-all).

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::cloudwatch_logs::LogsEvent;
use base64::Engine;
use escalation::{Escalation, EscalationConfig};
use ivschat_emulator::JournalAction;
use toolkit_state::BanScope;
use toolkit_test_support::{MANAGED_ROOM, paced_client, start_emulator, state_table};

const START: u64 = 1_767_225_600;

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// A decision line exactly as the review handler writes it (tracing's JSON formatter).
fn decision(message_id: &str, user: &str, result: &str, rules: &str) -> String {
    serde_json::json!({
        "timestamp": "2026-01-01T00:00:00.000000Z",
        "level": "INFO",
        "fields": {
            "message": "review decision",
            "message_id": message_id,
            "room_id": MANAGED_ROOM,
            "user_id": user,
            "profile": "default",
            "result": result,
            "rewritten": false,
            "rules": rules,
            "categories": "profanity",
            "decision_us": 3.2
        },
        "target": "review_handler"
    })
    .to_string()
}

/// The subscription event CloudWatch Logs would deliver for `lines`.
fn logs_event(lines: &[String]) -> LogsEvent {
    let data = serde_json::json!({
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/aws/lambda/chat-review-handler",
        "logStream": "2026/01/01/[$LATEST]0123456789abcdef",
        "subscriptionFilters": ["review-denials"],
        "logEvents": lines.iter().enumerate().map(|(i, line)| serde_json::json!({
            "id": format!("{i:056}"),
            "timestamp": 1_767_225_600_000u64 + i as u64,
            "message": line,
        })).collect::<Vec<_>>()
    });
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(data.to_string().as_bytes()).expect("gzip");
    let encoded = base64::engine::general_purpose::STANDARD.encode(gzip.finish().expect("gzip"));
    // From text, as the runtime reads it: the event's deserializer borrows its strings.
    let text = serde_json::json!({"awslogs": {"data": encoded}}).to_string();
    serde_json::from_str(&text).expect("a CloudWatch Logs event")
}

fn config() -> EscalationConfig {
    let env: BTreeMap<&str, &str> = BTreeMap::from([
        ("STATE_TABLE_NAME", "per-test-table"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCOUNT_ID", "123456789012"),
    ]);
    EscalationConfig::from_source(&env).expect("valid configuration")
}

fn denials(prefix: &str, user: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            decision(
                &format!("{prefix}{i:04}"),
                user,
                "DENY",
                "profanity-strong:deny[0..4]",
            )
        })
        .collect()
}

#[tokio::test]
async fn three_denials_time_out_then_a_day_then_a_ban() {
    // GIVEN escalation with the default ladder
    let emulator = start_emulator().await;
    let table = state_table().await;
    let escalation = Escalation::new(config(), table.clone(), paced_client(&emulator));
    let room = BanScope::Room(MANAGED_ROOM.to_owned());
    // WHEN three of a user's messages are denied within five minutes (with noise around them)
    let mut lines = denials("Aaaaaaaa", "viewer-9", 3);
    lines.push(decision("Bbbbbbbb0001", "viewer-9", "ALLOW", ""));
    lines.push("START RequestId: 1 Version: $LATEST".to_owned());
    let first = escalation
        .handle(&logs_event(&lines), at(START))
        .await
        .expect("handled");
    // THEN they are timed out for ten minutes, disconnected, and the room is told
    assert_eq!(first.strikes, 3);
    assert_eq!(first.steps.len(), 1, "{first:?}");
    assert_eq!(first.steps[0].action, "timeout_user");
    assert_eq!(first.steps[0].until, Some(START + 600));
    let ban = table
        .get_ban(&room, "viewer-9", at(START))
        .await
        .expect("read")
        .expect("banned");
    assert_eq!(ban.banned_by, "escalation");
    assert_eq!(ban.expires_at, Some(START + 600));
    let journal = emulator.journal();
    assert_eq!(journal.len(), 2, "{journal:?}");
    assert_eq!(journal[0].action, JournalAction::DisconnectUser);
    assert_eq!(journal[1].action, JournalAction::SendEvent);
    assert_eq!(journal[1].event_name.as_deref(), Some("app:moderation"));
    assert_eq!(journal[1].attributes["action"], "timeout_user");
    assert_eq!(journal[1].attributes["until"], "2026-01-01T00:10:00Z");
    // WHEN the same batch is delivered again THEN nothing counts twice
    let again = escalation
        .handle(&logs_event(&lines), at(START + 1))
        .await
        .expect("handled");
    assert_eq!(
        (again.strikes, again.duplicates, again.steps.len()),
        (0, 3, 0)
    );
    // WHEN three more are denied later that day THEN the timeout becomes 24 hours
    let second = escalation
        .handle(
            &logs_event(&denials("Cccccccc", "viewer-9", 3)),
            at(START + 3600),
        )
        .await
        .expect("handled");
    assert_eq!(second.steps[0].until, Some(START + 3600 + 86_400));
    let ban = table
        .get_ban(&room, "viewer-9", at(START + 3600))
        .await
        .expect("read")
        .expect("banned");
    assert_eq!(ban.expires_at, Some(START + 3600 + 86_400));
    // AND three more make it a ban
    let third = escalation
        .handle(
            &logs_event(&denials("Dddddddd", "viewer-9", 3)),
            at(START + 7200),
        )
        .await
        .expect("handled");
    assert_eq!(third.steps[0].action, "ban_user");
    let ban = table
        .get_ban(&room, "viewer-9", at(START + 7200))
        .await
        .expect("read")
        .expect("banned");
    assert_eq!(ban.expires_at, None);
}

#[tokio::test]
async fn denials_spread_beyond_the_window_and_banned_senders_are_no_strikes() {
    let emulator = start_emulator().await;
    let table = state_table().await;
    let escalation = Escalation::new(config(), table, paced_client(&emulator));
    // Two denials, then one more after the five-minute window: no step
    let early = escalation
        .handle(&logs_event(&denials("Eeeeeeee", "viewer-3", 2)), at(START))
        .await
        .expect("handled");
    assert!(early.steps.is_empty());
    let late = escalation
        .handle(
            &logs_event(&denials("Ffffffff", "viewer-3", 1)),
            at(START + 301),
        )
        .await
        .expect("handled");
    assert!(late.steps.is_empty(), "{late:?}");
    // Denials of a banned sender's messages (rules `ban`) never count
    let banned: Vec<String> = (0..5)
        .map(|i| decision(&format!("Gggggggg{i:04}"), "viewer-4", "DENY", "ban"))
        .collect();
    let summary = escalation
        .handle(&logs_event(&banned), at(START))
        .await
        .expect("handled");
    assert_eq!((summary.strikes, summary.steps.len()), (0, 0));
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn concurrent_batches_take_exactly_one_step() {
    // GIVEN the third strike arriving in two instances at once
    let emulator = start_emulator().await;
    let table = state_table().await;
    let a = Escalation::new(config(), table.clone(), paced_client(&emulator));
    let b = Escalation::new(config(), table, paced_client(&emulator));
    let one = logs_event(&denials("Hhhhhhhh", "viewer-5", 2));
    let two = logs_event(&denials("Iiiiiiii", "viewer-5", 2));
    let (x, y) = tokio::join!(a.handle(&one, at(START)), b.handle(&two, at(START)));
    // THEN four strikes were counted and one step taken
    let (x, y) = (x.expect("handled"), y.expect("handled"));
    assert_eq!(x.strikes + y.strikes, 4);
    assert_eq!(x.steps.len() + y.steps.len(), 1);
}

#[tokio::test]
async fn after_a_quiet_memory_period_the_ladder_starts_again() {
    // GIVEN a user timed out for ten minutes by the first step of the default ladder
    let emulator = start_emulator().await;
    let table = state_table().await;
    let escalation = Escalation::new(config(), table, paced_client(&emulator));
    let first = escalation
        .handle(&logs_event(&denials("Jjjjjjjj", "viewer-6", 3)), at(START))
        .await
        .expect("handled");
    assert_eq!(first.steps[0].until, Some(START + 600));
    // WHEN three more are denied once the default memory of one day has passed
    let later = START + 86_400 + 1;
    let again = escalation
        .handle(&logs_event(&denials("Kkkkkkkk", "viewer-6", 3)), at(later))
        .await
        .expect("handled");
    // THEN the step is the first rung again (ten minutes), not the 24-hour second one
    assert_eq!(again.steps.len(), 1, "{again:?}");
    assert_eq!(again.steps[0].action, "timeout_user");
    assert_eq!(again.steps[0].until, Some(later + 600));
}

#[tokio::test]
async fn a_standing_ban_that_lasts_longer_than_the_step_is_kept() {
    // GIVEN a moderator's two-day timeout of a user in the room
    let emulator = start_emulator().await;
    let table = state_table().await;
    let room = BanScope::Room(MANAGED_ROOM.to_owned());
    let two_days = START + 2 * 86_400;
    let moderators = toolkit_state::NewBan {
        scope: room.clone(),
        user_id: "viewer-7".to_owned(),
        reason: Some("spam".to_owned()),
        banned_by: "user:mona".to_owned(),
        expires_at: Some(two_days),
    };
    let written = table
        .put_ban(
            &moderators,
            toolkit_state::BanPrecondition::NoActiveBan,
            at(START),
        )
        .await
        .expect("write");
    assert!(matches!(written, toolkit_state::BanWrite::Applied(_)));
    // WHEN three of their earlier messages' denials arrive and reach the ten-minute step
    let escalation = Escalation::new(config(), table.clone(), paced_client(&emulator));
    let summary = escalation
        .handle(&logs_event(&denials("Llllllll", "viewer-7", 3)), at(START))
        .await
        .expect("handled");
    assert_eq!(summary.strikes, 3);
    // THEN no step is taken and the longer timeout stands as the moderator wrote it
    assert!(summary.steps.is_empty(), "{summary:?}");
    let ban = table
        .get_ban(&room, "viewer-7", at(START))
        .await
        .expect("read")
        .expect("banned");
    assert_eq!(ban.expires_at, Some(two_days));
    assert_eq!(ban.banned_by, "user:mona");
}
