//! A refused request changes nothing: for every action a moderator route or the webhook can
//! take, a refusal (a caller without the role, an argument out of bounds, a room of another
//! deployment) leaves the state table and IVS Chat's journal as they were, and its audit line
//! says `refused`. A binary of its own: it installs the global log subscriber.

mod common;

use common::*;
use http::StatusCode;
use lambda_http::Request;
use serde_json::Value;

const TARGET: &str = "user-troll-7";

/// `name`'s fixture sent by a chatter instead of its own caller.
fn as_chatter(name: &str) -> Request {
    fixture_with(
        env!("CARGO_MANIFEST_DIR"),
        "moderation-api",
        name,
        |event| {
            let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
            claims["sub"] = Value::from("5b6c7d8e-0001-4a2b-9c3d-chatter00001");
            claims["cognito:groups"] = Value::from("[chatter]");
        },
    )
}

fn audit_outcomes(text: &str) -> Vec<(String, String)> {
    audit_lines(text)
        .into_iter()
        .map(|line| {
            (
                line["fields"]["action"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                line["fields"]["outcome"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_refused_request_changes_nothing_and_is_audited_as_refused() {
    // GIVEN every log line captured, and a ban standing for the target (one disconnect in the
    // journal)
    let logs = capture_logs();
    let emulator = start_emulator().await;
    let api = api(&emulator);
    let banned = call(&api, fixture("ban-user-moderator")).await;
    assert_eq!(banned.status(), StatusCode::OK, "{}", body_json(&banned));
    let ban_before = body_json(&call(&api, fixture("get-ban-moderator")).await)["ban"].clone();
    let journal_before = emulator.journal().len();
    // WHEN each action is asked for by someone who may not, or with what the rules refuse
    let refused: Vec<(&str, Request, u16)> = vec![
        ("delete_message", fixture("delete-message-chatter"), 403),
        (
            "delete_message",
            fixture("delete-message-other-deployment-room"),
            403,
        ),
        ("disconnect_user", fixture("disconnect-user-viewer"), 403),
        ("send_event", fixture("send-event-chatter"), 403),
        ("send_event", fixture("send-event-aws-prefix"), 400),
        ("ban_user", fixture("ban-user-chatter"), 403),
        ("ban_user", fixture("ban-user-everywhere-moderator"), 403),
        ("timeout_user", as_chatter("timeout-user-moderator"), 403),
        ("timeout_user", fixture("timeout-user-too-long"), 400),
        ("unban_user", as_chatter("unban-user-moderator"), 403),
        ("get_ban", as_chatter("get-ban-moderator"), 403),
        ("list_bans", as_chatter("list-bans-moderator"), 403),
    ];
    let count = refused.len();
    for (action, request, status) in refused {
        let response = call(&api, request).await;
        assert_eq!(
            response.status().as_u16(),
            status,
            "{action}: {}",
            body_json(&response)
        );
    }
    // THEN IVS Chat was not called, the ban stands at the same version, nothing else was banned
    assert_eq!(emulator.journal().len(), journal_before);
    let ban_after = body_json(&call(&api, fixture("get-ban-moderator")).await)["ban"].clone();
    assert_eq!(ban_after, ban_before);
    let listed = body_json(&call(&api, fixture("list-bans-moderator")).await);
    assert_eq!(listed["bans"].as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed["bans"][0]["userId"], TARGET);
    // AND each refusal has its audit line saying so (after the ban and the read that succeeded)
    let outcomes = audit_outcomes(&logs.text());
    let refusals: Vec<&(String, String)> = outcomes.iter().skip(2).take(count).collect();
    assert_eq!(refusals.len(), count, "{outcomes:?}");
    for (action, outcome) in refusals {
        assert_eq!(outcome, "refused", "{action}");
    }
}
