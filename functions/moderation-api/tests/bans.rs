//! Bans, timeouts and unbans through the moderator, admin and webhook routes, driven with the
//! `events/moderation-api/` fixtures against the local IVS Chat emulator and the loopback
//! DynamoDB-compatible server (moto's server mode, started by scripts/test-all).

mod common;

use common::*;
use http::StatusCode;
use ivschat_emulator::JournalAction;
use lambda_http::Request;
use serde_json::Value;

const TARGET: &str = "user-troll-7";

/// `name`'s fixture with its path (raw and in the request context) rewritten by `edit`.
fn with_path(name: &str, edit: impl Fn(&str) -> String) -> Request {
    fixture_with(
        env!("CARGO_MANIFEST_DIR"),
        "moderation-api",
        name,
        |event| {
            let raw = event["rawPath"].as_str().unwrap_or_default().to_owned();
            event["rawPath"] = Value::from(edit(&raw));
            event["requestContext"]["http"]["path"] = Value::from(edit(&raw));
        },
    )
}

#[tokio::test]
async fn a_moderator_bans_reads_lists_and_lifts_a_ban() {
    // GIVEN a moderator and a managed room
    let emulator = start_emulator().await;
    let api = api(&emulator);
    // WHEN they ban a user
    let banned = call(&api, fixture("ban-user-moderator")).await;
    let body = body_json(&banned);
    assert_eq!(banned.status(), StatusCode::OK, "{body}");
    // THEN the ban says who, why, when and where, and is permanent
    assert_eq!(body["action"], "ban_user");
    assert_eq!(body["ban"]["scope"], "room");
    assert_eq!(body["ban"]["roomId"], MANAGED_ROOM);
    assert_eq!(body["ban"]["userId"], TARGET);
    assert_eq!(body["ban"]["reason"], "hate speech");
    assert_eq!(
        body["ban"]["bannedBy"],
        "user:5b6c7d8e-0002-4a2b-9c3d-moderator001"
    );
    assert_eq!(body["ban"]["createdAt"], "2026-01-01T00:00:00Z");
    assert!(body["ban"].get("expiresAt").is_none(), "{body}");
    // AND the user was disconnected at once, with the ban's reason
    assert_eq!(body["disconnected"], true);
    let journal = emulator.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].action, JournalAction::DisconnectUser);
    assert_eq!(journal[0].user_id.as_deref(), Some(TARGET));
    assert_eq!(journal[0].reason.as_deref(), Some("hate speech"));
    // AND it can be read, and is listed
    let read = call(&api, fixture("get-ban-moderator")).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(body_json(&read)["ban"], body["ban"]);
    let listed = call(&api, fixture("list-bans-moderator")).await;
    assert_eq!(listed.status(), StatusCode::OK);
    assert_eq!(
        body_json(&listed)["bans"],
        serde_json::json!([body["ban"].clone()])
    );
    // WHEN it is banned again THEN 409 names the ban that stands and its version
    let again = call(&api, fixture("ban-user-moderator")).await;
    assert_error(&again, 409, "BanConflict", Some("expectedVersion"));
    let version = body["ban"]["version"].as_u64().expect("a version");
    let message = body_json(&again)["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains(&format!("expectedVersion {version}")),
        "{message}"
    );
    // WHEN it is lifted THEN it is gone
    let lifted = call(&api, fixture("unban-user-moderator")).await;
    assert_eq!(lifted.status(), StatusCode::OK, "{}", body_json(&lifted));
    assert_eq!(body_json(&lifted)["ban"]["version"], version);
    assert_error(
        &call(&api, fixture("get-ban-moderator")).await,
        404,
        "BanNotFound",
        None,
    );
    assert_error(
        &call(&api, fixture("unban-user-moderator")).await,
        404,
        "BanNotFound",
        None,
    );
    // AND the unban disconnected nobody
    assert_eq!(emulator.journal().len(), 1);
}

#[tokio::test]
async fn a_timeout_ends_after_its_bounded_duration() {
    let emulator = start_emulator().await;
    let api = api(&emulator);
    let response = call(&api, fixture("timeout-user-moderator")).await;
    let body = body_json(&response);
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    assert_eq!(body["action"], "timeout_user");
    assert_eq!(body["ban"]["expiresAt"], "2026-01-01T00:10:00Z");
    assert_eq!(emulator.journal()[0].action, JournalAction::DisconnectUser);
    // A timeout beyond 14 days is refused naming the field, before anything is written or sent
    let too_long = call(&api, fixture("timeout-user-too-long")).await;
    assert_error(&too_long, 400, "InvalidInput", Some("durationSeconds"));
    assert_eq!(emulator.journal().len(), 1);
}

#[tokio::test]
async fn two_moderators_banning_at_once_get_one_ban_and_one_conflict() {
    // GIVEN two moderators banning the same user in the same instant
    let emulator = start_emulator().await;
    let api = api(&emulator);
    let (a, b) = tokio::join!(
        call(&api, fixture("ban-user-moderator")),
        call(&api, fixture("timeout-user-moderator")),
    );
    // THEN exactly one ban is written; the other is told which one stands
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let (winner, loser) = if a.status() == StatusCode::OK {
        (a, b)
    } else {
        (b, a)
    };
    assert_error(&loser, 409, "BanConflict", Some("expectedVersion"));
    let stored = call(&api, fixture("get-ban-moderator")).await;
    assert_eq!(body_json(&stored)["ban"], body_json(&winner)["ban"]);
}

#[tokio::test]
async fn a_stale_version_cannot_overwrite_a_newer_ban() {
    let emulator = start_emulator().await;
    let api = api(&emulator);
    let first = body_json(&call(&api, fixture("timeout-user-moderator")).await);
    let version = first["ban"]["version"].as_u64().expect("version");
    let with_version = |name: &str, version: u64| {
        fixture_with(
            env!("CARGO_MANIFEST_DIR"),
            "moderation-api",
            name,
            |event| {
                let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap_or("{}"))
                    .expect("JSON body");
                body["expectedVersion"] = Value::from(version);
                event["body"] = Value::from(body.to_string());
            },
        )
    };
    // WHEN a moderator turns the timeout into a ban at the version read THEN it is replaced
    let upgraded = call(&api, with_version("ban-user-moderator", version)).await;
    assert_eq!(
        upgraded.status(),
        StatusCode::OK,
        "{}",
        body_json(&upgraded)
    );
    assert!(body_json(&upgraded)["ban"].get("expiresAt").is_none());
    // AND another, still at the old version, can neither replace nor lift it
    let stale = call(&api, with_version("timeout-user-moderator", version)).await;
    assert_error(&stale, 409, "BanConflict", Some("expectedVersion"));
    let stale_lift = call(&api, with_version("unban-user-moderator", version)).await;
    assert_error(&stale_lift, 409, "BanConflict", Some("expectedVersion"));
}

#[tokio::test]
async fn only_moderators_ban_in_a_room_and_only_admins_everywhere() {
    let emulator = start_emulator().await;
    let api = api(&emulator);
    assert_error(
        &call(&api, fixture("ban-user-chatter")).await,
        403,
        "RoleNotAllowed",
        None,
    );
    assert_error(
        &call(&api, fixture("ban-user-everywhere-moderator")).await,
        403,
        "RoleNotAllowed",
        None,
    );
    assert!(emulator.journal().is_empty());
    // An admin bans everywhere, and disconnects from the room named in the body
    let everywhere = call(&api, fixture("ban-user-everywhere-admin")).await;
    let body = body_json(&everywhere);
    assert_eq!(everywhere.status(), StatusCode::OK, "{body}");
    assert_eq!(body["ban"]["scope"], "deployment");
    assert!(body["ban"].get("roomId").is_none());
    assert_eq!(body["disconnected"], true);
    let journal = emulator.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].room_arn, room_arn(MANAGED_ROOM));
}

#[tokio::test]
async fn bans_in_rooms_of_other_deployments_are_refused() {
    let emulator = start_emulator().await;
    let api = api(&emulator);
    let other = with_path("ban-user-moderator", |p| {
        p.replace(MANAGED_ROOM, OTHER_DEPLOYMENT_ROOM)
    });
    assert_error(&call(&api, other).await, 403, "RoomNotAllowed", None);
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn a_rooms_bans_come_in_pages() {
    // GIVEN three banned users
    let emulator = start_emulator().await;
    let api = api(&emulator);
    for user in ["user-a", "user-b", "user-c"] {
        let request = with_path("ban-user-moderator", |p| p.replace(TARGET, user));
        assert_eq!(call(&api, request).await.status(), StatusCode::OK);
    }
    // WHEN listed two at a time THEN the pages hold all three, once each, in order
    let first = body_json(&call(&api, fixture("list-bans-moderator")).await);
    let token = first["nextToken"]
        .as_str()
        .expect("more to come")
        .to_owned();
    let second_request = fixture_with(
        env!("CARGO_MANIFEST_DIR"),
        "moderation-api",
        "list-bans-moderator",
        |e| {
            e["rawQueryString"] = Value::from(format!("limit=2&nextToken={token}"));
            e["queryStringParameters"] = serde_json::json!({"limit": "2", "nextToken": token});
        },
    );
    let second = body_json(&call(&api, second_request).await);
    let users: Vec<Value> = [&first, &second]
        .iter()
        .flat_map(|page| page["bans"].as_array().cloned().unwrap_or_default())
        .map(|ban| ban["userId"].clone())
        .collect();
    assert_eq!(users, ["user-a", "user-b", "user-c"]);
    // AND a forged token is refused naming the field
    let forged = fixture_with(
        env!("CARGO_MANIFEST_DIR"),
        "moderation-api",
        "list-bans-moderator",
        |e| {
            e["rawQueryString"] = Value::from("nextToken=!!");
            e["queryStringParameters"] = serde_json::json!({"nextToken": "!!"});
        },
    );
    assert_error(
        &call(&api, forged).await,
        400,
        "InvalidInput",
        Some("nextToken"),
    );
}

#[tokio::test]
async fn the_signed_webhook_times_out_and_unbans() {
    let emulator = start_emulator().await;
    let api = api(&emulator);
    let timed_out = call(&api, fixture("webhook-timeout-user-signed")).await;
    let body = body_json(&timed_out);
    assert_eq!(timed_out.status(), StatusCode::OK, "{body}");
    assert_eq!(body["ban"]["bannedBy"], "webhook");
    assert_eq!(body["ban"]["expiresAt"], "2026-01-01T00:10:00Z");
    assert_eq!(emulator.journal()[0].action, JournalAction::DisconnectUser);
    let lifted = call(&api, fixture("webhook-unban-user-signed")).await;
    assert_eq!(lifted.status(), StatusCode::OK, "{}", body_json(&lifted));
    assert_eq!(body_json(&lifted)["action"], "unban_user");
}

#[tokio::test]
async fn ban_routes_without_a_state_table_fail_closed() {
    let emulator = start_emulator().await;
    let api = moderation_api::ModerationApi::new(config(), client(&emulator))
        .with_clock(http_api::FixedClock::at_unix_seconds(FIXTURE_SIGNED_AT));
    let response = call(&api, fixture("ban-user-moderator")).await;
    assert_error(&response, 502, "UpstreamFailure", None);
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn a_ban_without_a_reason_disconnects_with_the_default_one() {
    // GIVEN a moderator banning a user without giving a reason
    let emulator = start_emulator().await;
    let api = api(&emulator);
    let request = fixture_with(
        env!("CARGO_MANIFEST_DIR"),
        "moderation-api",
        "ban-user-moderator",
        |event| {
            event["body"] = Value::from("{}");
        },
    );
    // WHEN the ban is made
    let banned = call(&api, request).await;
    let body = body_json(&banned);
    assert_eq!(banned.status(), StatusCode::OK, "{body}");
    // THEN the ban records no reason and the user is disconnected with the default one
    assert!(body["ban"].get("reason").is_none(), "{body}");
    let journal = emulator.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].action, JournalAction::DisconnectUser);
    assert_eq!(journal[0].reason.as_deref(), Some("banned by a moderator"));
}

/// A webhook request for `body`, signed now (v2) with the test secret.
fn signed_webhook(body: &str, nonce: &str) -> Request {
    let secret = http_api::WebhookSecret::new("WEBHOOK_SECRET", TEST_WEBHOOK_SECRET.as_bytes())
        .expect("a valid test secret");
    let signature = secret.sign_v2(
        "POST",
        "/webhooks/moderation",
        FIXTURE_SIGNED_AT,
        nonce,
        body.as_bytes(),
    );
    fixture_with(
        env!("CARGO_MANIFEST_DIR"),
        "moderation-api",
        "webhook-timeout-user-signed",
        |event| {
            event["body"] = Value::from(body);
            event["headers"]["x-signature-nonce"] = Value::from(nonce);
            event["headers"]["x-signature"] = Value::from(signature.as_str());
        },
    )
}

#[tokio::test]
async fn a_refused_ban_writes_nothing_whoever_asks() {
    // GIVEN deployment-wide bans naming another deployment's room as the room to disconnect
    // from: from an admin's route and from the signed webhook
    let emulator = start_emulator().await;
    let api = api(&emulator);
    let body = format!(r#"{{"reason":"ban evasion","roomId":"{OTHER_DEPLOYMENT_ROOM}"}}"#);
    let from_route = fixture_with(
        env!("CARGO_MANIFEST_DIR"),
        "moderation-api",
        "ban-user-everywhere-admin",
        |event| event["body"] = Value::from(body.as_str()),
    );
    let from_webhook = signed_webhook(
        &format!(
            r#"{{"action":"ban_user","scope":"deployment","userId":"{TARGET}","roomId":"{OTHER_DEPLOYMENT_ROOM}"}}"#
        ),
        "refused-ban-0001",
    );
    for (caller, request) in [("admin", from_route), ("webhook", from_webhook)] {
        // WHEN each is sent THEN it is refused: the room is not this deployment's
        assert_error(&call(&api, request).await, 403, "RoomNotAllowed", None);
        // AND no ban was written (an admin's read finds none, so a retry is no conflict) and
        // nobody was disconnected
        let read = fixture_with(
            env!("CARGO_MANIFEST_DIR"),
            "moderation-api",
            "ban-user-everywhere-admin",
            |event| {
                let path = format!("/bans/{TARGET}");
                event["rawPath"] = Value::from(path.as_str());
                event["requestContext"]["http"]["path"] = Value::from(path.as_str());
                event["requestContext"]["http"]["method"] = Value::from("GET");
                event["body"] = Value::Null;
            },
        );
        assert_error(&call(&api, read).await, 404, "BanNotFound", None);
        assert!(
            emulator.journal().is_empty(),
            "{caller}: nobody is disconnected"
        );
    }
}
