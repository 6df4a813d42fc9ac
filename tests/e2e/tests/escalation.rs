//! The escalation function as `sam build` built it, under the Lambda Runtime Interface Emulator,
//! fed exactly what CloudWatch Logs delivers: the review handler's own decision lines (the built
//! review handler, logging JSON as the template's `LogFormat: JSON` makes Lambda ask), selected
//! by the template's subscription filter, gzipped and base64-encoded. Strikes and bans live in a
//! state table on the loopback DynamoDB-compatible server (`TOOLKIT_TEST_DYNAMODB_URL`, started
//! by scripts/test-all); DisconnectUser and the announcement reach the local IVS Chat emulator.

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use e2e::{LambdaUnderRie, workspace_root};
use ivschat_emulator::JournalAction;
use serde_json::{Value, json};
use toolkit_state::BanScope;
use toolkit_test_support::{
    ACCOUNT, MANAGED_ROOM, dynamodb_url, room_arn, start_emulator, state_table,
};

const OFFENDER: &str = "repeat-offender-7";

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// A review request from `user` in the managed room, as IVS Chat sends it.
fn message(message_id: &str, user: &str, content: &str) -> Value {
    json!({
        "Content": content,
        "MessageId": message_id,
        "RoomArn": room_arn(MANAGED_ROOM),
        "Attributes": {},
        "Sender": {"Attributes": {"role": "chatter"}, "UserId": user, "Ip": "203.0.113.10"}
    })
}

/// The lines of `output` that `template.yaml`'s `ReviewDenialsSubscription` pattern
/// `{ $.fields.message = "review decision" && $.fields.result = "DENY" }` selects.
fn subscription_filter(output: &str) -> Vec<String> {
    let template = std::fs::read_to_string(workspace_root().join("template.yaml")).expect("read");
    assert!(
        template
            .contains(r#"'{ $.fields.message = "review decision" && $.fields.result = "DENY" }'"#),
        "the template's filter pattern changed: change this test's filter with it"
    );
    output
        .lines()
        .filter(|line| {
            serde_json::from_str::<Value>(line).is_ok_and(|value| {
                value["fields"]["message"] == "review decision"
                    && value["fields"]["result"] == "DENY"
            })
        })
        .map(str::to_owned)
        .collect()
}

/// The subscription event CloudWatch Logs delivers for `lines` (gzip, then base64).
fn logs_event(lines: &[String]) -> Value {
    let now_ms = u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_millis(),
    )
    .expect("milliseconds fit");
    let data = json!({
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT,
        "logGroup": "/aws/lambda/chat-prod-review-handler",
        "logStream": "2026/12/01/[$LATEST]e2e0123456789abcdef",
        "subscriptionFilters": ["chat-prod-ReviewDenialsSubscription"],
        "logEvents": lines.iter().enumerate().map(|(i, line)| json!({
            "id": format!("{:056}", now_ms * 100 + i as u64),
            "timestamp": now_ms,
            "message": line,
        })).collect::<Vec<_>>(),
    });
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(data.to_string().as_bytes()).expect("gzip");
    let compressed = gzip.finish().expect("gzip");
    json!({"awslogs": {"data": base64::engine::general_purpose::STANDARD.encode(compressed)}})
}

#[tokio::test]
async fn the_review_handlers_denials_escalate_to_a_timeout_that_the_review_handler_enforces() {
    // GIVEN the built review handler and escalation function sharing one state table
    let emulator = start_emulator().await;
    let dynamodb = dynamodb_url();
    let table = state_table().await;
    let policy = workspace_root()
        .join("events/review/policy.toml")
        .display()
        .to_string();
    let review = LambdaUnderRie::start(
        "ReviewHandlerFunction",
        &[
            ("REVIEW_POLICY_PATH", &policy),
            // What Lambda sets for the template's `LoggingConfig: LogFormat: JSON`.
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_ENDPOINT_URL_DYNAMODB", &dynamodb),
            ("STATE_TABLE_NAME", table.name()),
            // The longest lookup the handler allows: an arm64 build runs here under qemu, many
            // times slower than on Lambda, and what this test checks is that the ban is
            // enforced (the lookup's latency is the `ban_check` benchmark's).
            ("BAN_LOOKUP_TIMEOUT_MS", "150"),
        ],
    )
    .await
    .expect("review handler starts");
    let escalation = LambdaUnderRie::start(
        "EscalationFunction",
        &[
            ("AWS_ENDPOINT_URL_IVSCHAT", emulator.url()),
            ("AWS_ENDPOINT_URL_DYNAMODB", &dynamodb),
            ("STATE_TABLE_NAME", table.name()),
            ("AWS_ACCOUNT_ID", ACCOUNT),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ],
    )
    .await
    .expect("escalation starts");

    // WHEN three of one sender's messages are denied, between clean messages of others
    for (id, user, content, expected) in [
        ("E2eEsc000001", OFFENDER, "this is shit", "DENY"),
        ("E2eEsc000002", "bystander-1", "hello there", "ALLOW"),
        ("E2eEsc000003", OFFENDER, "shit stream", "DENY"),
        ("E2eEsc000004", OFFENDER, "what the fuck", "DENY"),
    ] {
        let answer = review
            .invoke(&message(id, user, content))
            .await
            .expect("invoked");
        assert_eq!(answer["ReviewResult"], expected, "{id}: {answer}");
    }
    // THEN the subscription filter selects exactly the three denial lines
    let lines = subscription_filter(&review.output().text());
    assert_eq!(lines.len(), 3, "{lines:?}");

    // WHEN CloudWatch Logs delivers them to the escalation function
    let event = logs_event(&lines);
    let started = unix_now();
    let summary = escalation.invoke(&event).await.expect("invoked");
    let finished = unix_now();

    // THEN three strikes take the ladder's first step: a 10-minute timeout
    assert_eq!(summary["strikes"], 3, "{summary}");
    let steps = summary["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 1, "{summary}");
    assert_eq!(steps[0]["action"], "timeout_user");
    assert_eq!(steps[0]["userId"], OFFENDER);
    assert_eq!(steps[0]["roomId"], MANAGED_ROOM);
    let until = steps[0]["until"].as_u64().expect("a timeout ends");
    assert!(
        (started + 600..=finished + 600).contains(&until),
        "{until} is not 10 minutes after {started}"
    );

    // AND the state table holds the timeout, recorded as escalation's, with its end as TTL
    let ban = table
        .get_ban(
            &BanScope::Room(MANAGED_ROOM.to_owned()),
            OFFENDER,
            SystemTime::now(),
        )
        .await
        .expect("read")
        .expect("a timeout is recorded");
    assert_eq!(ban.banned_by, "escalation");
    assert_eq!(ban.expires_at, Some(until));
    assert!(
        ban.reason
            .as_deref()
            .is_some_and(|r| r.starts_with("automatic: 3 messages denied")),
        "{ban:?}"
    );

    // AND the user is disconnected, then the room is told with an application event
    let journal = emulator.journal();
    assert_eq!(journal.len(), 2, "{journal:?}");
    assert_eq!(journal[0].action, JournalAction::DisconnectUser);
    assert_eq!(journal[0].user_id.as_deref(), Some(OFFENDER));
    assert_eq!(journal[0].room_arn, room_arn(MANAGED_ROOM));
    assert_eq!(journal[1].action, JournalAction::SendEvent);
    assert_eq!(journal[1].event_name.as_deref(), Some("app:moderation"));
    assert_eq!(journal[1].attributes["action"], "timeout_user");
    assert_eq!(journal[1].attributes["userId"], OFFENDER);
    let until_text = toolkit_state::bans::rfc3339(until);
    assert_eq!(journal[1].attributes["until"], until_text);

    // AND an audit line, in escalation's log
    let logs = escalation.output().text();
    assert!(
        logs.lines().any(|line| {
            serde_json::from_str::<Value>(line).is_ok_and(|value| {
                let fields = &value["fields"];
                fields["message"] == "moderation action"
                    && fields["action"] == "timeout_user"
                    && fields["target"] == OFFENDER
                    && fields["outcome"] == "succeeded"
            })
        }),
        "no audit line: {logs}"
    );

    // WHEN the same batch is delivered again (CloudWatch Logs retries) THEN nothing counts twice
    let again = escalation.invoke(&event).await.expect("invoked");
    assert_eq!(
        (&again["strikes"], &again["duplicates"], &again["steps"]),
        (&json!(0), &json!(3), &json!([])),
        "{again}"
    );
    assert_eq!(emulator.journal().len(), 2);

    // WHEN the offender's session sends anything, after the review handler's cache bound
    tokio::time::sleep(Duration::from_secs(6)).await;
    let answer = review
        .invoke(&message("E2eEsc000005", OFFENDER, "sorry everyone"))
        .await
        .expect("invoked");
    // THEN it is denied, saying until when
    assert_eq!(answer["ReviewResult"], "DENY", "{answer}");
    assert_eq!(
        answer["Attributes"]["Reason"],
        format!("You are timed out until {until_text}.")
    );
    // AND that denial, delivered to escalation, is no strike
    let lines = subscription_filter(&review.output().text());
    assert_eq!(lines.len(), 4, "{lines:?}");
    let banned_denial = escalation
        .invoke(&logs_event(&lines[3..]))
        .await
        .expect("invoked");
    assert_eq!(
        (&banned_denial["lines"], &banned_denial["strikes"]),
        (&json!(1), &json!(0)),
        "{banned_denial}"
    );
    review.stop().await;
    escalation.stop().await;
}
