//! The review handler's ban check: a sender banned after their session began is denied with a
//! reason they see; bans reach the instance within the staleness bound; and when the state
//! table is unreachable or slow (fault injected), the handler still answers well inside IVS's
//! 200 ms, failing open or closed as configured. Against the loopback DynamoDB-compatible server
//! (moto's server mode, started by scripts/test-all) and fault stand-ins on loopback.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ivschat_api::review::{ReviewResponse, ReviewResult};
use ivschat_moderation::PolicySet;
use review_handler::bans::{BanCheckSettings, CachedBanCheck, FailureMode, UNAVAILABLE_REASON};
use review_handler::review_event;
use toolkit_state::{BanPrecondition, BanScope, NewBan, StateTable};
use toolkit_test_support::{dynamodb_client, state_table};

const ROOM: &str = "ManagedRoom1";
/// What the handler may spend on one message here: well inside IVS's 200 ms, with room for a
/// loaded test machine.
const BUDGET: Duration = Duration::from_millis(150);

fn event(user: &str, content: &str) -> serde_json::Value {
    serde_json::json!({
        "Content": content,
        "MessageId": "A1b2C3d4E5f6",
        "RoomArn": format!("arn:aws:ivschat:us-east-1:123456789012:room/{ROOM}"),
        "Attributes": {},
        "Sender": {"Attributes": {"role": "chatter"}, "UserId": user, "Ip": "203.0.113.10"}
    })
}

fn policy() -> PolicySet {
    PolicySet::builtin().expect("built-in policy compiles")
}

fn unix_now() -> u64 {
    toolkit_state::unix_seconds(SystemTime::now())
}

async fn ban(table: &StateTable, user: &str, expires_at: Option<u64>) {
    table
        .put_ban(
            &NewBan {
                scope: BanScope::Room(ROOM.to_owned()),
                user_id: user.to_owned(),
                reason: Some("spam".to_owned()),
                banned_by: "user:mod-1".to_owned(),
                expires_at,
            },
            BanPrecondition::NoActiveBan,
            SystemTime::now(),
        )
        .await
        .expect("ban written");
}

async fn review(
    policy: &PolicySet,
    gate: &Arc<CachedBanCheck>,
    user: &str,
) -> (ReviewResponse, Duration) {
    let started = Instant::now();
    let response = review_event(policy, Some(gate), event(user, "hello everyone"))
        .await
        .expect("reviewed");
    (response, started.elapsed())
}

#[tokio::test]
async fn a_sender_banned_mid_session_is_denied_with_a_reason_they_see() {
    // GIVEN a chatter whose session began before a moderator banned them
    let table = state_table().await;
    ban(&table, "viewer-banned", None).await;
    let gate = CachedBanCheck::new(table.clone(), BanCheckSettings::default());
    let policy = policy();
    // WHEN they send a clean message THEN it is denied with the ban's reason
    let (response, _) = review(&policy, &gate, "viewer-banned").await;
    assert_eq!(response.review_result, ReviewResult::Deny);
    assert_eq!(
        response.attributes["Reason"],
        "You are banned from this chat."
    );
    response.check_limits().expect("a valid reply");
    // AND another chatter's clean message is allowed as before
    let (other, _) = review(&policy, &gate, "viewer-fine").await;
    assert_eq!(other.review_result, ReviewResult::Allow);
}

#[tokio::test]
async fn a_timed_out_sender_is_told_until_when() {
    let table = state_table().await;
    let end = unix_now() + 600;
    ban(&table, "viewer-timeout", Some(end)).await;
    let gate = CachedBanCheck::new(table, BanCheckSettings::default());
    let (response, _) = review(&policy(), &gate, "viewer-timeout").await;
    assert_eq!(response.review_result, ReviewResult::Deny);
    let reason = &response.attributes["Reason"];
    assert!(reason.starts_with("You are timed out until 20"), "{reason}");
}

#[tokio::test]
async fn a_new_ban_reaches_a_warm_instance_within_the_staleness_bound() {
    // GIVEN an instance that has just seen the chatter unbanned (bound: 1 second)
    let table = state_table().await;
    let settings = BanCheckSettings {
        fresh_for: Duration::from_secs(1),
        ..BanCheckSettings::default()
    };
    let gate = CachedBanCheck::new(table.clone(), settings);
    let policy = policy();
    assert_eq!(
        review(&policy, &gate, "viewer-later").await.0.review_result,
        ReviewResult::Allow
    );
    // WHEN a moderator bans them
    ban(&table, "viewer-later", None).await;
    // THEN once the bound has passed, their messages are denied
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        review(&policy, &gate, "viewer-later").await.0.review_result,
        ReviewResult::Deny
    );
}

#[tokio::test]
async fn cached_answers_cost_no_read() {
    // GIVEN a warm answer WHEN the table disappears THEN messages within the bound are still
    // judged from the cache, in microseconds
    let table = state_table().await;
    ban(&table, "viewer-cached", None).await;
    let gate = CachedBanCheck::new(table, BanCheckSettings::default());
    let policy = policy();
    review(&policy, &gate, "viewer-cached").await;
    let (response, took) = review(&policy, &gate, "viewer-cached").await;
    assert_eq!(response.review_result, ReviewResult::Deny);
    assert!(took < Duration::from_millis(5), "{took:?}");
}

/// A DynamoDB stand-in that accepts connections and never answers.
async fn silent_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

/// A loopback address where nothing listens: every connection is refused.
fn unreachable_endpoint() -> String {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", socket.local_addr().expect("address"));
    drop(socket);
    url
}

async fn faulty_gate(url: &str, on_failure: FailureMode) -> Arc<CachedBanCheck> {
    let table = StateTable::new(dynamodb_client(url), "state");
    CachedBanCheck::new(
        table,
        BanCheckSettings {
            on_failure,
            ..BanCheckSettings::default()
        },
    )
}

#[tokio::test]
async fn a_slow_table_fails_open_inside_the_budget() {
    let gate = faulty_gate(&silent_server().await, FailureMode::Allow).await;
    let policy = policy();
    let (response, took) = review(&policy, &gate, "viewer-1").await;
    assert_eq!(response.review_result, ReviewResult::Allow);
    assert!(took < BUDGET, "{took:?}");
    // AND that sender's next message skips the read for a while (their key failed)
    let (_, again) = review(&policy, &gate, "viewer-1").await;
    assert!(again < Duration::from_millis(10), "{again:?}");
    // AND another sender is still read (and waits the lookup timeout), until enough reads in a
    // row failed to open the circuit; then every message skips the read
    for failed in 2..=review_handler::bans::CIRCUIT_FAILURES {
        let (response, took) = review(&policy, &gate, &format!("viewer-{failed}")).await;
        assert_eq!(response.review_result, ReviewResult::Allow);
        assert!(
            took >= Duration::from_millis(40),
            "viewer-{failed} was read: {took:?}"
        );
    }
    let (_, skipped) = review(&policy, &gate, "viewer-new").await;
    assert!(skipped < Duration::from_millis(10), "{skipped:?}");
}

/// Sender `slow` is read forever (the table stalls on that item); sender `banned` is banned.
struct OneSlowKey;

impl toolkit_state::BanLookup for OneSlowKey {
    fn current_ban<'a>(
        &'a self,
        _room_id: &'a str,
        user_id: &'a str,
    ) -> toolkit_state::BanLookupFuture<'a> {
        if user_id == "slow" {
            return Box::pin(std::future::pending());
        }
        let ban = (user_id == "banned").then_some(toolkit_state::ActiveBan {
            until: None,
            everywhere: false,
        });
        Box::pin(std::future::ready(Ok(ban)))
    }
}

#[tokio::test]
async fn one_slow_read_does_not_let_a_different_banned_sender_through() {
    // GIVEN a ban check failing open, and a read that times out for one sender
    let gate = CachedBanCheck::new(OneSlowKey, BanCheckSettings::default());
    let policy = policy();
    let (slow, _) = review(&policy, &gate, "slow").await;
    assert_eq!(slow.review_result, ReviewResult::Allow, "failed open");
    // WHEN a banned sender writes right after THEN their ban is still read and applied
    let (banned, took) = review(&policy, &gate, "banned").await;
    assert_eq!(banned.review_result, ReviewResult::Deny);
    assert_eq!(
        banned.attributes["Reason"],
        "You are banned from this chat."
    );
    assert!(took < BUDGET, "{took:?}");
}

#[tokio::test]
async fn a_banned_senders_first_message_after_a_cold_start_is_denied() {
    // GIVEN a banned sender, and a review handler's cold start as main.rs does it: the table
    // with the review path's timeouts, the default 50 ms lookup timeout, then the warm-up read
    let setup = state_table().await;
    ban(&setup, "viewer-banned-early", None).await;
    let table = toolkit_test_support::state_table_at(
        &toolkit_test_support::dynamodb_url(),
        setup.name(),
        toolkit_state::StateTimeouts::REVIEW_PATH,
    )
    .await;
    let gate = CachedBanCheck::new(table, BanCheckSettings::default());
    gate.warm_up().await;
    // WHEN their first message arrives THEN it is denied: the read did not pay the handshake
    let (response, took) = review(&policy(), &gate, "viewer-banned-early").await;
    assert_eq!(response.review_result, ReviewResult::Deny, "{response:?}");
    assert!(took < BUDGET, "{took:?}");
}

#[tokio::test]
async fn a_slow_table_fails_closed_inside_the_budget_when_configured() {
    let gate = faulty_gate(&silent_server().await, FailureMode::Deny).await;
    let (response, took) = review(&policy(), &gate, "viewer-1").await;
    assert_eq!(response.review_result, ReviewResult::Deny);
    assert_eq!(response.attributes["Reason"], UNAVAILABLE_REASON);
    assert!(took < BUDGET, "{took:?}");
}

#[tokio::test]
async fn an_unreachable_table_fails_open_or_closed_inside_the_budget() {
    let policy = policy();
    for (mode, expected) in [
        (FailureMode::Allow, ReviewResult::Allow),
        (FailureMode::Deny, ReviewResult::Deny),
    ] {
        let gate = faulty_gate(&unreachable_endpoint(), mode).await;
        let (response, took) = review(&policy, &gate, "viewer-1").await;
        assert_eq!(response.review_result, expected, "{mode:?}");
        assert!(took < BUDGET, "{mode:?}: {took:?}");
    }
}

#[tokio::test]
async fn a_policy_denial_still_applies_to_a_sender_who_is_not_banned() {
    let table = state_table().await;
    let gate = CachedBanCheck::new(table, BanCheckSettings::default());
    let response = review_event(
        &policy(),
        Some(&gate),
        event("viewer-rude", "what the fuck"),
    )
    .await
    .expect("reviewed");
    assert_eq!(response.review_result, ReviewResult::Deny);
}
