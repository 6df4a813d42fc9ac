//! IVS's concurrency against the real thing: 50 chat clients send at the same moment in a room
//! whose review handler is the `review-handler` binary as a pool of three instances, each its own
//! AWS Runtime Interface Emulator (RIE) process, as `scripts/run-local` starts them. One RIE
//! takes one invocation at a time and crashes on an overlap (aws-lambda-runtime-interface-emulator
//! issue 97); the emulator gives each review to an idle instance and queues the rest within IVS's
//! 200 ms. The instances are mapped in the short form `FUNCTION=http://HOST:PORT`, which is
//! invoked on the one path the RIE serves.
//!
//! The review handler is the native build (`E2E_NATIVE_REVIEW_HANDLER`, as
//! `scripts/test-all` makes it), as run-local runs it there: under qemu, an arm64 review takes
//! far longer than a native one, and 50 of them in line would not fit in 200 ms on three
//! instances.

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::{
    ChatSocket, LambdaUnderRie, REVIEW_HANDLER_ARN, control_plane_call, join_chat,
    native_review_handler_path, workspace_root,
};
use futures::{SinkExt, StreamExt};
use ivschat_emulator::{Emulator, JournalAction};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const CLIENTS: usize = 50;
const INSTANCES: usize = 3;

/// The frame answering this client's request (every client also receives everyone's MESSAGE).
async fn answer_to(socket: &mut ChatSocket, request_id: &str) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("a frame arrives")
        {
            Some(Ok(Message::Text(text))) => {
                let frame: Value = serde_json::from_str(text.as_str()).expect("JSON frame");
                if frame["RequestId"] == request_id {
                    return frame;
                }
            }
            Some(Ok(_)) => {}
            other => panic!("expected a frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn fifty_messages_at_once_are_all_reviewed_by_a_pool_of_rie_instances() {
    // GIVEN the review handler with the fixture policy under three RIEs, each warmed up
    let policy = workspace_root()
        .join("events/review/policy.toml")
        .display()
        .to_string();
    let binary = native_review_handler_path().expect("native build (scripts/test-all builds it)");
    let mut instances = Vec::new();
    for _ in 0..INSTANCES {
        let instance = LambdaUnderRie::start_binary(
            &binary,
            "ReviewHandlerFunction",
            &[("REVIEW_POLICY_PATH", &policy)],
        )
        .await
        .expect("review handler starts");
        instance
            .invoke_fixture("review/allow.json")
            .await
            .expect("warm-up invoke");
        instances.push(instance);
    }
    // AND an emulator with the three as the handler's pool, in the short URL form
    let emulator = instances
        .iter()
        .fold(Emulator::builder(), |builder, instance| {
            builder.review_endpoint(REVIEW_HANDLER_ARN, instance.base_url())
        })
        .start()
        .await
        .expect("emulator starts");
    // AND 50 clients in a room allowing 100 messages a second, whose fallback is DENY (a
    // message that got it would come back to its sender as ERROR 406)
    let room = control_plane_call(
        &emulator,
        "CreateRoom",
        json!({
            "maximumMessageRatePerSecond": 100,
            "messageReviewHandler": {"uri": REVIEW_HANDLER_ARN, "fallbackResult": "DENY"},
        }),
    )
    .await["arn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut sockets = Vec::new();
    for number in 0..CLIENTS {
        sockets.push(join_chat(&emulator, &room, &format!("viewer-{number}")).await);
    }

    // WHEN all 50 send at the same moment
    let started = Instant::now();
    let barrier = Arc::new(tokio::sync::Barrier::new(CLIENTS));
    let clients: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(number, mut socket)| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                let request_id = format!("m{number}");
                let content = format!("good game everyone, round {number}");
                barrier.wait().await;
                socket
                    .send(Message::text(
                        json!({"Action": "SEND_MESSAGE", "Content": content, "RequestId": request_id})
                            .to_string(),
                    ))
                    .await
                    .expect("sent");
                answer_to(&mut socket, &request_id).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for client in clients {
        answers.push(client.await.expect("client task"));
    }
    eprintln!(
        "{CLIENTS} messages answered in {} ms",
        started.elapsed().as_millis()
    );

    // THEN every sender got its message delivered
    for answer in &answers {
        assert_eq!(answer["Type"], "MESSAGE", "{answer}");
    }
    // AND every message was reviewed by the binary, none got the fallback
    let reviews: Vec<_> = emulator
        .journal()
        .into_iter()
        .filter(|entry| entry.action == JournalAction::ReviewMessage)
        .filter_map(|entry| entry.review)
        .collect();
    assert_eq!(reviews.len(), CLIENTS);
    let slowest = reviews.iter().map(|r| r.latency_micros).max().unwrap_or(0);
    eprintln!(
        "slowest review, the wait in line included: {} ms",
        slowest / 1000
    );
    assert!(
        reviews.iter().all(|review| !review.fallback_applied),
        "{reviews:?}"
    );
    // AND every RIE is still up, none saw an overlap, and each took a share
    for instance in &mut instances {
        assert!(instance.is_running(), "an RIE exited");
        let output = instance.output().text();
        assert!(
            !output.contains("ReserveFailed") && !output.contains("panic"),
            "{output}"
        );
        assert!(
            output.matches("review decision").count() > 1,
            "an instance reviewed nothing after its warm-up"
        );
    }
    for instance in instances {
        instance.stop().await;
    }
}
