//! A review handler's pool of instances over the Lambda Invoke API: IVS invokes a handler
//! concurrently, while one instance (one Runtime Interface Emulator process) takes one invocation
//! at a time and crashes on an overlap. The stand-in instances here answer HTTP 500 and count an
//! overlap whenever a request arrives while another is in flight, so any overlap shows.

mod chat;
mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_ivschat::types::{ChatTokenCapability as Cap, FallbackResult};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chat::{ChatClient, HANDLER, join, room};
use ivschat_emulator::{
    Emulator, EmulatorBuilder, JournalAction, JournalEntry, RIE_INVOKE_PATH, ReviewRecord,
    RunningEmulator,
};
use serde_json::{Value, json};

/// One stand-in instance: serves one invocation at a time on the RIE's path, like the RIE, but
/// answers 500 (and counts it) instead of crashing when a second one arrives.
struct StandIn {
    address: SocketAddr,
    in_flight: AtomicBool,
    overlaps: AtomicUsize,
    served: AtomicUsize,
    /// How long a review takes, unless its content asks for `slow` (300 ms).
    delay: Duration,
}

impl StandIn {
    async fn start(delay: Duration) -> Arc<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let stand_in = Arc::new(Self {
            address: listener.local_addr().expect("address"),
            in_flight: AtomicBool::new(false),
            overlaps: AtomicUsize::new(0),
            served: AtomicUsize::new(0),
            delay,
        });
        let state = stand_in.clone();
        let app = axum::Router::new().route(
            RIE_INVOKE_PATH,
            axum::routing::post(move |axum::Json(request): axum::Json<Value>| {
                let state = state.clone();
                async move { state.invoke(request).await }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        stand_in
    }

    async fn invoke(&self, request: Value) -> Response {
        if self.in_flight.swap(true, Ordering::SeqCst) {
            self.overlaps.fetch_add(1, Ordering::SeqCst);
            return (StatusCode::INTERNAL_SERVER_ERROR, "overlapping invocation").into_response();
        }
        let content = request["Content"].as_str().unwrap_or_default().to_owned();
        let delay = if content.contains("slow") {
            Duration::from_millis(300)
        } else {
            self.delay
        };
        tokio::time::sleep(delay).await;
        self.served.fetch_add(1, Ordering::SeqCst);
        self.in_flight.store(false, Ordering::SeqCst);
        axum::Json(json!({
            "ReviewResult": "ALLOW",
            "Content": content,
            "Attributes": {"instance": self.address.port().to_string()},
        }))
        .into_response()
    }

    /// The short form `--review-endpoint FUNCTION=http://HOST:PORT`.
    fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}

/// An emulator whose review handler is a pool of these instances, in the short URL form.
async fn emulator_with_pool(
    instances: &[Arc<StandIn>],
) -> (RunningEmulator, aws_sdk_ivschat::Client) {
    let builder: EmulatorBuilder = instances
        .iter()
        .fold(Emulator::builder(), |builder, instance| {
            builder.review_endpoint(HANDLER, instance.url())
        });
    let emulator = builder.start().await.expect("emulator starts");
    let client = common::client(&emulator);
    (emulator, client)
}

/// Each user's review record.
fn reviews_by_user(emulator: &RunningEmulator) -> BTreeMap<String, ReviewRecord> {
    emulator
        .journal()
        .into_iter()
        .filter(|entry: &JournalEntry| entry.action == JournalAction::ReviewMessage)
        .filter_map(|entry| Some((entry.user_id?, entry.review?)))
        .collect()
}

async fn clients(
    emulator: &RunningEmulator,
    client: &aws_sdk_ivschat::Client,
    room: &str,
    count: usize,
) -> Vec<ChatClient> {
    let mut clients = Vec::new();
    for number in 0..count {
        clients.push(
            join(
                client,
                emulator.messaging_url(),
                room,
                &format!("user-{number}"),
                &[Cap::SendMessage],
            )
            .await,
        );
    }
    clients
}

/// Every client sends one message at the same moment; returns the frame each got for its own.
async fn send_all_at_once(clients: Vec<ChatClient>, content: &str) -> Vec<Value> {
    let barrier = Arc::new(tokio::sync::Barrier::new(clients.len()));
    let count = clients.len();
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(number, mut client)| {
            let barrier = barrier.clone();
            let content = format!("{content} {number}");
            tokio::spawn(async move {
                barrier.wait().await;
                client.say(&content, &format!("r{number}")).await;
                // Everyone receives every message; this client's answer carries its RequestId.
                for _ in 0..=count {
                    let frame = client.next_frame().await;
                    if frame["RequestId"] == format!("r{number}") {
                        return frame;
                    }
                }
                panic!("no answer to r{number}");
            })
        })
        .collect();
    let mut frames = Vec::new();
    for task in tasks {
        frames.push(task.await.expect("client task"));
    }
    frames
}

#[tokio::test]
async fn a_burst_is_spread_over_the_idle_instances_and_none_overlaps() {
    // GIVEN three instances that take 20 ms a review, and 12 clients in a room whose fallback
    // is DENY (so a fallback would be an ERROR to its sender)
    let instances = [
        StandIn::start(Duration::from_millis(20)).await,
        StandIn::start(Duration::from_millis(20)).await,
        StandIn::start(Duration::from_millis(20)).await,
    ];
    let (emulator, client) = emulator_with_pool(&instances).await;
    let room = room(
        &client,
        Some(100),
        None,
        Some((HANDLER, FallbackResult::Deny)),
    )
    .await;
    let senders = clients(&emulator, &client, &room, 12).await;
    // WHEN all send at the same moment
    let frames = send_all_at_once(senders, "hello").await;
    // THEN every message was reviewed and delivered, none by the fallback
    assert!(
        frames.iter().all(|frame| frame["Type"] == "MESSAGE"),
        "{frames:?}"
    );
    let reviews = reviews_by_user(&emulator);
    assert_eq!(reviews.len(), 12);
    assert!(
        reviews.values().all(|review| !review.fallback_applied),
        "{reviews:?}"
    );
    // AND no instance ever had two invocations at once, and each took a share
    for instance in &instances {
        assert_eq!(instance.overlaps.load(Ordering::SeqCst), 0);
        assert!(instance.served.load(Ordering::SeqCst) >= 1);
    }
    let served: usize = instances
        .iter()
        .map(|instance| instance.served.load(Ordering::SeqCst))
        .sum();
    assert_eq!(served, 12);
}

#[tokio::test]
async fn the_wait_for_an_idle_instance_counts_against_the_200_ms() {
    // GIVEN one instance that takes 130 ms a review, and a room whose fallback is ALLOW
    let instance = StandIn::start(Duration::from_millis(130)).await;
    let (emulator, client) = emulator_with_pool(std::slice::from_ref(&instance)).await;
    let room = room(
        &client,
        Some(100),
        None,
        Some((HANDLER, FallbackResult::Allow)),
    )
    .await;
    let senders = clients(&emulator, &client, &room, 3).await;
    // WHEN three messages arrive at once
    let frames = send_all_at_once(senders, "hello").await;
    assert!(frames.iter().all(|frame| frame["Type"] == "MESSAGE"));
    // THEN the first in line is reviewed (130 ms); the second waits 130 ms and its review
    // would end at 260 ms, so it times out at 200; the third never gets the instance within
    // its 200 ms (the second's invocation keeps it until 260): the fallback for both
    let reviews = reviews_by_user(&emulator);
    let failures: Vec<String> = reviews
        .values()
        .filter_map(|review| review.failure.clone())
        .collect();
    assert_eq!(
        reviews.values().filter(|r| !r.fallback_applied).count(),
        1,
        "{reviews:?}"
    );
    assert!(
        failures.iter().any(|f| f == "timed out after 200 ms"),
        "{failures:?}"
    );
    assert!(
        failures
            .iter()
            .any(|f| f.contains("waiting for an idle instance (all 1 busy")),
        "{failures:?}"
    );
    // AND a fallback took no longer than IVS waits (plus scheduling)
    for review in reviews.values().filter(|r| r.fallback_applied) {
        assert!(review.latency_micros >= 200_000, "{review:?}");
        assert!(review.latency_micros < 400_000, "{review:?}");
    }
    // AND once the timed-out invocation has returned, the instance reviews again, and it never
    // saw two invocations at once
    tokio::time::sleep(Duration::from_millis(150)).await;
    let mut late = join(
        &client,
        emulator.messaging_url(),
        &room,
        "late",
        &[Cap::SendMessage],
    )
    .await;
    late.say("quick one", "late").await;
    assert_eq!(late.next_frame().await["Content"], "quick one");
    let review = reviews_by_user(&emulator)
        .remove("late")
        .expect("journaled");
    assert!(!review.fallback_applied, "{review:?}");
    assert_eq!(instance.overlaps.load(Ordering::SeqCst), 0);
    assert_eq!(instance.served.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_timed_out_invocation_keeps_its_instance_until_it_really_returns() {
    // GIVEN one instance, quick (10 ms) except for `slow` content (300 ms)
    let instance = StandIn::start(Duration::from_millis(10)).await;
    let (emulator, client) = emulator_with_pool(std::slice::from_ref(&instance)).await;
    let room = room(
        &client,
        Some(100),
        None,
        Some((HANDLER, FallbackResult::Allow)),
    )
    .await;
    let url = emulator.messaging_url();
    let mut alice = join(&client, url, &room, "alice", &[Cap::SendMessage]).await;
    let mut bob = join(&client, url, &room, "bob", &[Cap::SendMessage]).await;
    // WHEN alice's message times out (delivered at 200 ms by the ALLOW fallback) and bob sends
    // right after, while alice's invocation still runs
    alice.say("slow one", "a").await;
    assert_eq!(alice.next_frame().await["Content"], "slow one");
    bob.say("quick one", "b").await;
    // THEN bob's review waits for the instance instead of overlapping, and is reviewed in time
    loop {
        let frame = bob.next_frame().await;
        if frame["RequestId"] == "b" {
            assert_eq!(frame["Type"], "MESSAGE", "{frame}");
            break;
        }
    }
    let reviews = reviews_by_user(&emulator);
    assert_eq!(
        reviews["alice"].failure.as_deref(),
        Some("timed out after 200 ms")
    );
    assert!(!reviews["bob"].fallback_applied, "{:?}", reviews["bob"]);
    // (it waited for the rest of alice's 300 ms, at least 50 ms of them)
    assert!(
        reviews["bob"].latency_micros >= 50_000,
        "{:?}",
        reviews["bob"]
    );
    assert_eq!(instance.overlaps.load(Ordering::SeqCst), 0);
    assert_eq!(instance.served.load(Ordering::SeqCst), 2);
}
