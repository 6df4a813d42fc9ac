//! Escalation counters against a real DynamoDB-compatible server on loopback (moto's server
//! mode, started by scripts/test-all): windowed, atomic under concurrent writers.

use std::time::{Duration, UNIX_EPOCH};

use toolkit_state::Counter;
use toolkit_test_support::state_table;

const NOW: u64 = 1_767_225_600;
const WINDOW: Duration = Duration::from_secs(300);

fn at(seconds: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

#[tokio::test]
async fn strikes_count_within_their_window_then_start_again() {
    let table = state_table().await;
    let strike = |t| table.increment(Counter::Strikes, "ManagedRoom1", "viewer-1", WINDOW, at(t));
    assert_eq!(strike(NOW).await, Ok(1));
    assert_eq!(strike(NOW + 100).await, Ok(2));
    assert_eq!(strike(NOW + 299).await, Ok(3));
    // The window opened at NOW; from NOW + 300 on, counting starts again
    assert_eq!(strike(NOW + 300).await, Ok(1));
    // Other users and rooms count apart; a reset clears
    assert_eq!(
        table
            .increment(
                Counter::Strikes,
                "ManagedRoom1",
                "viewer-2",
                WINDOW,
                at(NOW)
            )
            .await,
        Ok(1)
    );
    table
        .reset(Counter::Strikes, "ManagedRoom1", "viewer-1")
        .await
        .expect("reset");
    assert_eq!(strike(NOW + 301).await, Ok(1));
}

#[tokio::test]
async fn a_window_that_ended_at_one_opens_again_at_one() {
    // GIVEN a counter whose window ended after a single strike
    let table = state_table().await;
    let strike = |t| table.increment(Counter::Offences, "ManagedRoom1", "viewer-3", WINDOW, at(t));
    assert_eq!(strike(NOW).await, Ok(1));
    // WHEN the next strike comes after the window THEN it counts 1 again (the value unchanged)
    assert_eq!(strike(NOW + 300).await, Ok(1));
    assert_eq!(strike(NOW + 301).await, Ok(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_strikes_each_get_their_own_count() {
    // GIVEN eight instances counting the same user's strikes at once
    let table = state_table().await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let table = table.clone();
            tokio::spawn(async move {
                table
                    .increment(
                        Counter::Strikes,
                        "ManagedRoom1",
                        "viewer-3",
                        WINDOW,
                        at(NOW),
                    )
                    .await
            })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.push(task.await.expect("joined").expect("counted"));
    }
    counts.sort_unstable();
    // THEN every count from 1 to 8 is seen exactly once
    assert_eq!(counts, (1..=8).collect::<Vec<u64>>());
}
