//! Seen nonces against a real DynamoDB-compatible server on loopback (moto's server mode,
//! started by scripts/test-all): conditional writes, expiry and races behave as DynamoDB's do.

use std::time::{Duration, UNIX_EPOCH};

use toolkit_state::{NonceClaim, StateError, StateTable};
use toolkit_test_support::{dynamodb_client, dynamodb_url, state_table};

const NOW: u64 = 1_767_225_600;

fn at(seconds: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

#[tokio::test]
async fn a_nonce_is_fresh_once_then_replayed_until_it_expires() {
    // GIVEN an empty state table
    let table = state_table().await;
    // WHEN a nonce is claimed THEN it is fresh
    let claim = table
        .claim_nonce("webhook", "v2:nonce-0000000000000001", NOW + 301, at(NOW))
        .await;
    assert_eq!(claim, Ok(NonceClaim::Fresh));
    // AND claimed again inside the window it is a replay
    let again = table
        .claim_nonce(
            "webhook",
            "v2:nonce-0000000000000001",
            NOW + 400,
            at(NOW + 300),
        )
        .await;
    assert_eq!(again, Ok(NonceClaim::Replayed));
    // AND after its expiry (TTL deletion being lazy, the item may still be there) it is fresh
    let later = table
        .claim_nonce(
            "webhook",
            "v2:nonce-0000000000000001",
            NOW + 1000,
            at(NOW + 302),
        )
        .await;
    assert_eq!(later, Ok(NonceClaim::Fresh));
}

#[tokio::test]
async fn scopes_and_keys_are_independent() {
    let table = state_table().await;
    for (scope, key) in [
        ("webhook", "a-nonce-000000001"),
        ("webhook", "a-nonce-000000002"),
        ("other", "a-nonce-000000001"),
    ] {
        assert_eq!(
            table.claim_nonce(scope, key, NOW + 301, at(NOW)).await,
            Ok(NonceClaim::Fresh),
            "{scope}/{key}"
        );
    }
}

#[tokio::test]
async fn of_two_racing_claims_exactly_one_is_fresh() {
    // GIVEN two instances claiming the same nonce at once
    let table = state_table().await;
    let (a, b) = tokio::join!(
        table.claim_nonce("webhook", "v2:raced-nonce-000001", NOW + 301, at(NOW)),
        table.claim_nonce("webhook", "v2:raced-nonce-000001", NOW + 301, at(NOW)),
    );
    // THEN one wins and one is told it is a replay
    let mut outcomes = [a.expect("answered"), b.expect("answered")];
    outcomes.sort_by_key(|o| *o == NonceClaim::Replayed);
    assert_eq!(outcomes, [NonceClaim::Fresh, NonceClaim::Replayed]);
}

#[tokio::test]
async fn a_missing_table_is_an_error_not_a_fresh_nonce() {
    // GIVEN a table name that does not exist
    let table = StateTable::new(dynamodb_client(&dynamodb_url()), "no-such-table");
    // WHEN a nonce is claimed THEN the failure is reported, never taken as "fresh"
    let result = table
        .claim_nonce("webhook", "v2:nonce-0000000000000001", NOW + 301, at(NOW))
        .await;
    assert!(
        matches!(
            result,
            Err(StateError::Unavailable {
                operation: "PutItem",
                ..
            })
        ),
        "{result:?}"
    );
}
