//! Token refusal for banned users, against the local IVS Chat emulator and the loopback
//! DynamoDB-compatible server (moto's server mode, started by scripts/test-all): refused while
//! banned or timed out, with a 403 saying until when; a token again after the unban or once
//! the timeout ends.

mod common;

use std::time::{Duration, SystemTime};

use common::*;
use http::StatusCode;
use token_api::TokenApi;
use toolkit_state::{BanPrecondition, BanScope, BanWrite, NewBan, StateTable};

/// The chatter the `post-token-chatter` fixture's claims name.
const CHATTER: &str = "5b6c7d8e-0001-4a2b-9c3d-chatter00001";

fn unix_now() -> u64 {
    toolkit_state::unix_seconds(SystemTime::now())
}

async fn ban(table: &StateTable, scope: BanScope, expires_at: Option<u64>) {
    let written = table
        .put_ban(
            &NewBan {
                scope,
                user_id: CHATTER.to_owned(),
                reason: Some("spam".to_owned()),
                banned_by: "user:mod-1".to_owned(),
                expires_at,
            },
            BanPrecondition::NoActiveBan,
            SystemTime::now(),
        )
        .await
        .expect("ban written");
    assert!(matches!(written, BanWrite::Applied(_)), "{written:?}");
}

#[tokio::test]
async fn a_banned_user_gets_no_token_until_the_ban_is_lifted() {
    // GIVEN a chatter banned from the managed room
    let emulator = start_emulator().await;
    let table = state_table().await;
    let api = TokenApi::new(config(), client(&emulator)).with_ban_list(table.clone());
    ban(&table, BanScope::Room(MANAGED_ROOM.to_owned()), None).await;
    // WHEN they ask for a token THEN 403 says they are banned until a moderator lifts it
    let refused = call(&api, fixture("post-token-chatter")).await;
    assert_error(&refused, 403, "UserNotAllowed", None);
    assert_eq!(
        body_json(&refused)["error"]["message"],
        "you are banned from this room until a moderator lifts the ban"
    );
    // AND other users still get theirs
    assert_eq!(
        call(&api, fixture("post-token-moderator")).await.status(),
        StatusCode::OK
    );
    // WHEN the ban is lifted THEN the chatter gets a token again
    table
        .remove_ban(
            &BanScope::Room(MANAGED_ROOM.to_owned()),
            CHATTER,
            BanPrecondition::NoActiveBan,
            SystemTime::now(),
        )
        .await
        .expect("lifted");
    let allowed = call(&api, fixture("post-token-chatter")).await;
    assert_eq!(allowed.status(), StatusCode::OK, "{}", body_json(&allowed));
}

#[tokio::test]
async fn a_timed_out_user_is_told_until_when_and_gets_a_token_once_it_ends() {
    // GIVEN a chatter timed out everywhere for two seconds
    let emulator = start_emulator().await;
    let table = state_table().await;
    let api = TokenApi::new(config(), client(&emulator)).with_ban_list(table.clone());
    let end = unix_now() + 2;
    ban(&table, BanScope::Deployment, Some(end)).await;
    // WHEN they ask for a token THEN 403 names the end of the timeout in RFC 3339
    let refused = call(&api, fixture("post-token-chatter")).await;
    assert_error(&refused, 403, "UserNotAllowed", None);
    let message = body_json(&refused)["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let expected_end = time::OffsetDateTime::from_unix_timestamp(i64::try_from(end).expect("fits"))
        .expect("valid time")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats");
    assert_eq!(
        message,
        format!("you are timed out in every room until {expected_end}")
    );
    // WHEN the timeout has ended (TTL has not deleted the item yet) THEN a token is issued
    while unix_now() < end {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let allowed = call(&api, fixture("post-token-chatter")).await;
    assert_eq!(allowed.status(), StatusCode::OK, "{}", body_json(&allowed));
}

#[tokio::test]
async fn an_unreachable_ban_list_issues_no_token() {
    // GIVEN a state table that does not exist WHEN a token is asked for THEN 502 without
    // detail, and no token: bans fail closed in the token API
    let emulator = start_emulator().await;
    let table = StateTable::new(dynamodb_client(&dynamodb_url()), "no-such-table");
    let api = TokenApi::new(config(), client(&emulator)).with_ban_list(table);
    let response = call(&api, fixture("post-token-chatter")).await;
    assert_error(&response, 502, "UpstreamFailure", None);
}

#[tokio::test]
async fn a_hung_state_table_gets_a_502_well_inside_a_second() {
    // GIVEN a state table that accepts connections and never answers, built with the token
    // API's own timeouts
    let emulator = start_emulator().await;
    let table = state_table_at(
        &hung_endpoint().await,
        "state",
        toolkit_state::StateTimeouts::REQUEST_PATH,
    )
    .await;
    let api = TokenApi::new(config(), client(&emulator)).with_ban_list(table);
    // WHEN a token is asked for
    let started = std::time::Instant::now();
    let response = tokio::time::timeout(
        Duration::from_secs(9),
        call(&api, fixture("post-token-chatter")),
    )
    .await
    .expect("an answer before the 10 s Lambda timeout");
    // THEN the documented 502, and no token, within the state table's budget (0.8 s; the room
    // check before it is answered by the emulator), far inside the 10 s Lambda timeout
    assert_error(&response, 502, "UpstreamFailure", None);
    let took = started.elapsed();
    assert!(took < Duration::from_millis(2500), "took {took:?}");
}

#[tokio::test]
async fn a_hung_ivs_chat_endpoint_gets_a_502_inside_the_lambda_timeout() {
    // GIVEN IVS Chat accepting connections and never answering, reached with the token API's
    // own client settings
    let chat = ivschat_api::ChatClient::for_endpoint(
        &hung_endpoint().await,
        REGION,
        "test",
        "test",
        ivschat_api::ClientSettings::request_path(),
    );
    let api = TokenApi::new(config(), chat);
    // WHEN a token is asked for THEN the documented 502 once the 3 s budget of its first call
    // (the room check) is spent, well before the 10 s Lambda timeout
    let started = std::time::Instant::now();
    let response = tokio::time::timeout(
        Duration::from_secs(9),
        call(&api, fixture("post-token-chatter")),
    )
    .await
    .expect("an answer before the 10 s Lambda timeout");
    assert_error(&response, 502, "UpstreamFailure", None);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(6), "took {took:?}");
}
