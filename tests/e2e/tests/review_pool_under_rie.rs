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

use e2e::{LambdaUnderRie, native_review_handler_path, workspace_root};
use futures::{SinkExt, StreamExt};
use ivschat_emulator::{Emulator, JournalAction, RunningEmulator};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const HANDLER: &str = "arn:aws:lambda:us-east-1:123456789012:function:ReviewHandlerFunction";
/// Outside strict mode the emulator checks only the shape of the Authorization header.
const AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ivschat/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";
const CLIENTS: usize = 50;
const INSTANCES: usize = 3;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn call(emulator: &RunningEmulator, operation: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/{operation}", emulator.url()))
        .header("authorization", AUTHORIZATION)
        .json(&body)
        .send()
        .await
        .expect("control plane answers");
    assert!(
        response.status().is_success(),
        "{operation}: {}",
        response.status()
    );
    response.json().await.expect("JSON body")
}

async fn join(emulator: &RunningEmulator, room: &str, user: &str) -> Socket {
    let token = call(
        emulator,
        "CreateChatToken",
        json!({"roomIdentifier": room, "userId": user, "capabilities": ["SEND_MESSAGE"]}),
    )
    .await;
    let mut request = emulator
        .messaging_url()
        .into_client_request()
        .expect("messaging URL");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_str(token["token"].as_str().unwrap_or_default()).expect("token header"),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .expect("connects")
        .0
}

/// The frame answering this client's request (every client also receives everyone's MESSAGE).
async fn answer_to(socket: &mut Socket, request_id: &str) -> Value {
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
            builder.review_endpoint(HANDLER, instance.base_url())
        })
        .start()
        .await
        .expect("emulator starts");
    // AND 50 clients in a room allowing 100 messages a second, whose fallback is DENY (a
    // message that got it would come back to its sender as ERROR 406)
    let room = call(
        &emulator,
        "CreateRoom",
        json!({
            "maximumMessageRatePerSecond": 100,
            "messageReviewHandler": {"uri": HANDLER, "fallbackResult": "DENY"},
        }),
    )
    .await["arn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut sockets = Vec::new();
    for number in 0..CLIENTS {
        sockets.push(join(&emulator, &room, &format!("viewer-{number}")).await);
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
