//! `messaging-bench`: the messaging load test. 200 WebSocket clients in 4 rooms exchange
//! 20,000 messages, each reviewed by the room's review handler (plugged in-process), and the
//! bench checks that every client received every message of its room exactly once, in each
//! sender's order. It prints the delivery latency (send to receipt, minus the review's own
//! time from the journal) and exits non-zero when anything was lost, duplicated or reordered.
//!
//! Run it in release for the figures: `cargo run --release -p ivschat-emulator --bin messaging-bench`
//! (`scripts/test-all` runs the debug build with `--clients 40 --messages-per-client 50` as a
//! correctness check). Options: `--clients N` (default 200), `--rooms N` (4),
//! `--messages-per-client N` (100), `--interval-ms N` (200, between one client's messages).

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use ivschat_emulator::{Emulator, JournalAction};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

const HANDLER: &str = "arn:aws:lambda:us-east-1:123456789012:function:review-handler";
/// The control plane checks only the shape of the Authorization header outside strict mode.
const AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ivschat/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy)]
struct Plan {
    clients: usize,
    rooms: usize,
    messages_per_client: usize,
    interval: Duration,
}

fn parse_plan() -> Result<Plan, String> {
    let mut plan = Plan {
        clients: 200,
        rooms: 4,
        messages_per_client: 100,
        interval: Duration::from_millis(200),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number: u64 = value
            .parse()
            .map_err(|_| format!("{flag}: `{value}` is not a whole number"))?;
        let count = usize::try_from(number).map_err(|_| format!("{flag}: too large"))?;
        match flag.as_str() {
            "--clients" => plan.clients = count,
            "--rooms" => plan.rooms = count,
            "--messages-per-client" => plan.messages_per_client = count,
            "--interval-ms" => plan.interval = Duration::from_millis(number),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if plan.rooms == 0 || plan.clients < plan.rooms || plan.messages_per_client == 0 {
        return Err("need at least one room, one client per room and one message".into());
    }
    Ok(plan)
}

async fn call(
    http: &reqwest::Client,
    endpoint: &str,
    operation: &str,
    body: Value,
) -> Result<Value, String> {
    let response = http
        .post(format!("{endpoint}/{operation}"))
        .header("authorization", AUTHORIZATION)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("{operation}: {e}"))?;
    let status = response.status();
    let value: Value = response
        .json()
        .await
        .map_err(|e| format!("{operation}: {e}"))?;
    if !status.is_success() {
        return Err(format!("{operation}: HTTP {status}: {value}"));
    }
    Ok(value)
}

/// What one client saw: for each frame received, (sender index, sequence, latency in µs, id).
struct Received {
    client: usize,
    room: usize,
    frames: Vec<(usize, usize, u64, String)>,
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let plan = match parse_plan() {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("messaging-bench: {error}");
            return ExitCode::from(2);
        }
    };
    match run(plan).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("messaging-bench: FAILED: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(plan: Plan) -> Result<(), String> {
    let emulator = Emulator::builder()
        .enforce_message_rate(false)
        .review_function(HANDLER, |request: Value| async move {
            Ok(json!({"ReviewResult": "ALLOW", "Content": request["Content"]}))
        })
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let http = reqwest::Client::new();
    let mut rooms = Vec::new();
    for _ in 0..plan.rooms {
        let room = call(
            &http,
            emulator.url(),
            "CreateRoom",
            json!({"messageReviewHandler": {"uri": HANDLER, "fallbackResult": "DENY"}}),
        )
        .await?;
        rooms.push(room["arn"].as_str().unwrap_or_default().to_owned());
    }
    let room_of = |client: usize| client % plan.rooms;
    let members: Vec<usize> = (0..plan.rooms)
        .map(|room| (0..plan.clients).filter(|c| room_of(*c) == room).count())
        .collect();
    let started = Arc::new(Instant::now());
    let mut sockets = Vec::new();
    for client in 0..plan.clients {
        let token = call(
            &http,
            emulator.url(),
            "CreateChatToken",
            json!({"roomIdentifier": rooms[room_of(client)], "userId": format!("user{client}"), "capabilities": ["SEND_MESSAGE"]}),
        )
        .await?;
        let mut request = emulator
            .messaging_url()
            .into_client_request()
            .map_err(|e| e.to_string())?;
        let protocol = HeaderValue::from_str(token["token"].as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", protocol);
        let (socket, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
            .await
            .map_err(|e| format!("client {client} could not connect: {e}"))?;
        sockets.push(socket);
    }
    println!(
        "messaging-bench: {} clients in {} rooms connected; sending {} messages ({} per client, one every {} ms)",
        plan.clients,
        plan.rooms,
        plan.clients * plan.messages_per_client,
        plan.messages_per_client,
        plan.interval.as_millis()
    );
    let send_started = Instant::now();
    let mut tasks = Vec::new();
    for (client, socket) in sockets.into_iter().enumerate() {
        let (mut sink, mut stream) = socket.split();
        let expected = members[room_of(client)] * plan.messages_per_client;
        let clock = Arc::clone(&started);
        let sender = tokio::spawn(async move {
            // Spread the first sends over one interval so the clients do not move in lockstep.
            let offset = plan.interval.mul_f64(client as f64 / plan.clients as f64);
            tokio::time::sleep(offset).await;
            let mut ticker = tokio::time::interval(plan.interval);
            for seq in 0..plan.messages_per_client {
                ticker.tick().await;
                let sent_at = clock.elapsed().as_micros().to_string();
                let frame = json!({
                    "Action": "SEND_MESSAGE",
                    "RequestId": format!("{client}-{seq}"),
                    "Content": format!("message {seq} from client {client}"),
                    "Attributes": {"sender": client.to_string(), "seq": seq.to_string(), "sentAt": sent_at},
                });
                if sink.send(Message::text(frame.to_string())).await.is_err() {
                    return Err(format!("client {client} could not send message {seq}"));
                }
            }
            Ok(sink)
        });
        let clock = Arc::clone(&started);
        let receiver = tokio::spawn(async move {
            let mut frames = Vec::with_capacity(expected);
            while frames.len() < expected {
                let next = tokio::time::timeout(Duration::from_secs(30), stream.next()).await;
                let text = match next {
                    Ok(Some(Ok(Message::Text(text)))) => text,
                    Ok(Some(Ok(_))) => continue,
                    Ok(other) => {
                        return Err(format!(
                            "client {client} lost its connection after {} of {expected} messages: {other:?}",
                            frames.len()
                        ));
                    }
                    Err(_) => {
                        return Err(format!(
                            "client {client} received {} of {expected} messages, then nothing for 30 s",
                            frames.len()
                        ));
                    }
                };
                let now = clock.elapsed().as_micros();
                let frame: Value =
                    serde_json::from_str(text.as_str()).map_err(|e| e.to_string())?;
                if frame["Type"] != "MESSAGE" {
                    return Err(format!(
                        "client {client} received a non-message frame: {frame}"
                    ));
                }
                let attributes = &frame["Attributes"];
                let field = |name: &str| -> Result<u128, String> {
                    attributes[name]
                        .as_str()
                        .and_then(|v| v.parse().ok())
                        .ok_or_else(|| format!("frame without {name}: {frame}"))
                };
                let sender = usize::try_from(field("sender")?).map_err(|e| e.to_string())?;
                let seq = usize::try_from(field("seq")?).map_err(|e| e.to_string())?;
                let latency =
                    u64::try_from(now.saturating_sub(field("sentAt")?)).unwrap_or(u64::MAX);
                let id = frame["Id"].as_str().unwrap_or_default().to_owned();
                frames.push((sender, seq, latency, id));
            }
            Ok(frames)
        });
        tasks.push((client, sender, receiver));
    }
    let mut received = Vec::new();
    let mut sinks = Vec::new();
    for (client, sender, receiver) in tasks {
        let sink = sender.await.map_err(|e| e.to_string())??;
        sinks.push(sink);
        let frames = receiver.await.map_err(|e| e.to_string())??;
        received.push(Received {
            client,
            room: room_of(client),
            frames,
        });
    }
    let elapsed = send_started.elapsed();
    // Every client: each sender of its room exactly once per sequence number, in order.
    for Received {
        client,
        room,
        frames,
    } in &received
    {
        let mut next_seq: HashMap<usize, usize> = HashMap::new();
        for (sender, seq, _, _) in frames {
            if room_of(*sender) != *room {
                return Err(format!(
                    "client {client} received a message from another room"
                ));
            }
            let expected = next_seq.entry(*sender).or_insert(0);
            if *seq != *expected {
                return Err(format!(
                    "client {client} received message {seq} of sender {sender} where {expected} was due (lost, duplicated or reordered)"
                ));
            }
            *expected += 1;
        }
        if next_seq.len() != members[*room]
            || next_seq.values().any(|n| *n != plan.messages_per_client)
        {
            return Err(format!(
                "client {client} did not receive every message of its room"
            ));
        }
    }
    let review: HashMap<String, u64> = emulator
        .journal()
        .into_iter()
        .filter(|entry| entry.action == JournalAction::ReviewMessage)
        .filter_map(|entry| Some((entry.message_id?, entry.review?.latency_micros)))
        .collect();
    let total = plan.clients * plan.messages_per_client;
    if review.len() != total {
        return Err(format!(
            "{} reviews journaled for {total} messages",
            review.len()
        ));
    }
    let mut latencies: Vec<u64> = received
        .iter()
        .flat_map(|r| r.frames.iter())
        .map(|(_, _, latency, id)| latency.saturating_sub(review.get(id).copied().unwrap_or(0)))
        .collect();
    latencies.sort_unstable();
    let mut reviews: Vec<u64> = review.values().copied().collect();
    reviews.sort_unstable();
    let ms = |micros: u64| micros as f64 / 1000.0;
    println!(
        "messaging-bench: OK: {total} messages, {} deliveries, none lost, duplicated or reordered, in {:.1} s ({:.0} messages/s, {:.0} deliveries/s)",
        latencies.len(),
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "messaging-bench: delivery latency excluding review: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or(0)),
    );
    println!(
        "messaging-bench: review (in-process handler) p50 {:.2} ms, p99 {:.2} ms",
        ms(percentile(&reviews, 50.0)),
        ms(percentile(&reviews, 99.0)),
    );
    drop(sinks);
    emulator.shutdown().await;
    Ok(())
}
