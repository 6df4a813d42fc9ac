//! The messaging WebSocket: real clients in real rooms, with review handlers plugged in-process
//! and over the Lambda Invoke API (docs/ivs-chat.md §1 and §4).

mod chat;
mod common;

use std::time::Duration;

use aws_sdk_ivschat::types::{
    ChatTokenCapability as Cap, DestinationConfiguration, FallbackResult, MessageReviewHandler,
    S3DestinationConfiguration,
};
use chat::{ChatClient, HANDLER, Refusal, join, room, token};
use ivschat_emulator::{Emulator, EmulatorBuilder, JournalAction, RunningEmulator};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::http::StatusCode;

/// A review handler with one rule per word, so each test picks its case by content.
fn reviewed() -> EmulatorBuilder {
    Emulator::builder().review_function(HANDLER, |request: Value| async move {
        let content = request["Content"].as_str().unwrap_or_default().to_owned();
        if content.contains("slow") {
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
        if content.contains("boom") {
            return Err("handler crashed".to_owned());
        }
        if content.contains("garbage") {
            return Ok(json!({"ReviewResult": "PERHAPS"}));
        }
        if content.contains("badword") {
            return Ok(
                json!({"ReviewResult": "DENY", "Attributes": {"Reason": "no bad words here"}}),
            );
        }
        Ok(json!({"ReviewResult": "ALLOW", "Content": content.replace("darn", "d**n")}))
    })
}

async fn start(builder: EmulatorBuilder) -> (RunningEmulator, aws_sdk_ivschat::Client) {
    let emulator = builder.start().await.expect("emulator starts");
    let client = common::client(&emulator);
    (emulator, client)
}

const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn a_clean_message_reaches_every_client_with_the_real_fields() {
    // GIVEN two clients in a room with a review handler
    let (emulator, client) = start(reviewed()).await;
    let room = room(&client, None, None, Some((HANDLER, FallbackResult::Allow))).await;
    let url = emulator.messaging_url();
    let mut alice = join(&client, url, &room, "alice", &[Cap::SendMessage]).await;
    let mut bob = join(&client, url, &room, "bob", &[]).await;
    // WHEN alice sends a message with attributes
    alice
        .send(json!({"Action": "SEND_MESSAGE", "RequestId": "req-1", "Content": "hello", "Attributes": {"color": "red"}}))
        .await;
    // THEN both receive the same MESSAGE frame with IVS's field names
    let to_alice = alice.next_frame().await;
    let to_bob = bob.next_frame().await;
    assert_eq!(to_alice, to_bob);
    assert_eq!(to_bob["Type"], "MESSAGE");
    assert_eq!(to_bob["Content"], "hello");
    assert_eq!(to_bob["RequestId"], "req-1");
    assert_eq!(to_bob["Attributes"], json!({"color": "red"}));
    assert_eq!(
        to_bob["Sender"],
        json!({"UserId": "alice", "Attributes": {"displayName": "alice display"}})
    );
    assert!(common::is_twelve_alphanumerics(
        to_bob["Id"].as_str().unwrap_or_default()
    ));
    assert!(
        to_bob["SendTime"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
}

#[tokio::test]
async fn a_client_in_another_room_sees_nothing() {
    // GIVEN clients in two rooms
    let (emulator, client) = start(Emulator::builder()).await;
    let first = room(&client, None, None, None).await;
    let second = room(&client, None, None, None).await;
    let url = emulator.messaging_url();
    let mut alice = join(&client, url, &first, "alice", &[Cap::SendMessage]).await;
    let mut carol = join(&client, url, &second, "carol", &[]).await;
    // WHEN alice sends to the first room
    alice.say("hello", "r").await;
    // THEN only the first room hears it
    assert_eq!(alice.next_frame().await["Content"], "hello");
    carol.expect_silence(QUIET).await;
}

#[tokio::test]
async fn a_denied_message_reaches_nobody_and_its_sender_gets_406_with_the_reason() {
    // GIVEN two clients in a reviewed room
    let (emulator, client) = start(reviewed()).await;
    let room = room(&client, None, None, Some((HANDLER, FallbackResult::Allow))).await;
    let url = emulator.messaging_url();
    let mut alice = join(&client, url, &room, "alice", &[Cap::SendMessage]).await;
    let mut bob = join(&client, url, &room, "bob", &[]).await;
    // WHEN alice sends a message the handler denies
    alice.say("a badword", "req-9").await;
    // THEN alice alone gets ERROR 406 carrying the reason, and bob sees nothing
    let error = alice.next_frame().await;
    assert_eq!(error["Type"], "ERROR");
    assert_eq!(error["ErrorCode"], 406);
    assert_eq!(error["ErrorMessage"], "no bad words here");
    assert_eq!(error["RequestId"], "req-9");
    bob.expect_silence(QUIET).await;
}

#[tokio::test]
async fn a_rewritten_message_arrives_as_the_handler_rewrote_it() {
    // GIVEN two clients in a reviewed room
    let (emulator, client) = start(reviewed()).await;
    let room = room(&client, None, None, Some((HANDLER, FallbackResult::Allow))).await;
    let url = emulator.messaging_url();
    let mut alice = join(&client, url, &room, "alice", &[Cap::SendMessage]).await;
    let mut bob = join(&client, url, &room, "bob", &[]).await;
    // WHEN alice sends a message the handler masks
    alice.say("darn it", "r").await;
    // THEN everyone receives the masked content
    assert_eq!(bob.next_frame().await["Content"], "d**n it");
    assert_eq!(alice.next_frame().await["Content"], "d**n it");
}

/// Sends `content` to a room whose fallback is `fallback` and returns what the sender and a
/// listener received, plus the journal's review record.
async fn fallback_case(
    content: &str,
    fallback: FallbackResult,
) -> (Value, Option<Value>, ivschat_emulator::ReviewRecord) {
    let (emulator, client) = start(reviewed()).await;
    let room = room(&client, None, None, Some((HANDLER, fallback))).await;
    let url = emulator.messaging_url();
    let mut alice = join(&client, url, &room, "alice", &[Cap::SendMessage]).await;
    let mut bob = join(&client, url, &room, "bob", &[]).await;
    alice.say(content, "r").await;
    let to_alice = alice.next_frame().await;
    let to_bob = if to_alice["Type"] == "MESSAGE" {
        Some(bob.next_frame().await)
    } else {
        bob.expect_silence(QUIET).await;
        None
    };
    let record = emulator
        .journal()
        .into_iter()
        .find_map(|entry| entry.review)
        .expect("the review is journaled");
    (to_alice, to_bob, record)
}

#[tokio::test]
async fn a_handler_slower_than_200_ms_gets_the_rooms_fallback() {
    // GIVEN a room with fallback DENY WHEN the handler takes 400 ms
    let (to_alice, to_bob, record) = fallback_case("slow hello", FallbackResult::Deny).await;
    // THEN the message is denied by the fallback, after about 200 ms, and journaled so
    assert_eq!(to_alice["ErrorCode"], 406);
    assert!(to_bob.is_none());
    assert!(record.fallback_applied);
    assert!(
        record.latency_micros >= 200_000 && record.latency_micros < 390_000,
        "{record:?}"
    );
    assert!(
        record
            .failure
            .as_deref()
            .is_some_and(|f| f.contains("timed out"))
    );
}

#[tokio::test]
async fn a_handler_error_gets_the_rooms_fallback() {
    // GIVEN a room with fallback ALLOW WHEN the handler fails
    let (to_alice, to_bob, record) = fallback_case("boom", FallbackResult::Allow).await;
    // THEN the original message is delivered to everyone, and the journal says why
    assert_eq!(to_alice["Content"], "boom");
    assert_eq!(
        to_bob.map(|frame| frame["Content"].clone()),
        Some(json!("boom"))
    );
    assert!(record.fallback_applied);
    assert!(
        record
            .failure
            .as_deref()
            .is_some_and(|f| f.contains("handler crashed"))
    );
}

#[tokio::test]
async fn an_invalid_reply_gets_the_rooms_fallback() {
    // GIVEN a room with fallback DENY WHEN the handler answers with no valid ReviewResult
    let (to_alice, to_bob, record) = fallback_case("garbage", FallbackResult::Deny).await;
    // THEN the fallback denies it and the journal names the invalid field
    assert_eq!(to_alice["ErrorCode"], 406);
    assert!(to_bob.is_none());
    assert!(
        record
            .failure
            .as_deref()
            .is_some_and(|f| f.contains("ReviewResult"))
    );
}

#[tokio::test]
async fn each_review_is_journaled_with_latency_result_and_no_fallback() {
    // GIVEN a reviewed room
    let (emulator, client) = start(reviewed()).await;
    let room = room(&client, None, None, Some((HANDLER, FallbackResult::Allow))).await;
    let mut alice = join(
        &client,
        emulator.messaging_url(),
        &room,
        "alice",
        &[Cap::SendMessage],
    )
    .await;
    // WHEN a message is allowed
    alice.say("fine", "r").await;
    let frame = alice.next_frame().await;
    // THEN the journal holds one review entry for that message id and sender
    let entry = emulator
        .journal()
        .into_iter()
        .find(|entry| entry.action == JournalAction::ReviewMessage)
        .expect("review journaled");
    assert_eq!(entry.message_id.as_deref(), frame["Id"].as_str());
    assert_eq!(entry.user_id.as_deref(), Some("alice"));
    let review = entry.review.expect("review record");
    assert_eq!(review.result.as_str(), "ALLOW");
    assert!(!review.fallback_applied);
    assert!(review.latency_micros < 200_000);
    assert_eq!(review.function_arn, HANDLER);
}

#[tokio::test]
async fn the_review_handler_gets_the_ivs_request_payload() {
    // GIVEN a handler that records what it receives
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let builder = Emulator::builder().review_function("*", move |request: Value| {
        let seen_tx = seen_tx.clone();
        async move {
            let _ = seen_tx.send(request.clone());
            Ok(json!({"ReviewResult": "ALLOW", "Content": request["Content"]}))
        }
    });
    let (emulator, client) = start(builder).await;
    let room = room(&client, None, None, Some((HANDLER, FallbackResult::Allow))).await;
    let mut alice = join(
        &client,
        emulator.messaging_url(),
        &room,
        "alice",
        &[Cap::SendMessage],
    )
    .await;
    // WHEN alice sends a message with attributes
    alice
        .send(json!({"Action": "SEND_MESSAGE", "Content": "hi", "Attributes": {"k": "v"}}))
        .await;
    let frame = alice.next_frame().await;
    // THEN the handler got docs/ivs-chat.md §1.2's payload, MessageId being the delivered Id
    let request = seen_rx.recv().await.expect("handler called");
    assert_eq!(request["Content"], "hi");
    assert_eq!(request["MessageId"], frame["Id"]);
    assert_eq!(request["RoomArn"], room.as_str());
    assert_eq!(request["Attributes"], json!({"k": "v"}));
    assert_eq!(request["Sender"]["UserId"], "alice");
    assert_eq!(
        request["Sender"]["Attributes"]["displayName"],
        "alice display"
    );
    assert_eq!(request["Sender"]["Ip"], "127.0.0.1");
}

#[tokio::test]
async fn a_moderators_delete_message_reaches_every_client() {
    // GIVEN a moderator and a viewer in a room
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, None).await;
    let url = emulator.messaging_url();
    let mut moderator = join(&client, url, &room, "mod", &[Cap::DeleteMessage]).await;
    let mut viewer = join(&client, url, &room, "viewer", &[]).await;
    // WHEN the moderator deletes a message over the WebSocket
    moderator
        .send(json!({"Action": "DELETE_MESSAGE", "Id": "abcDEF123456", "Reason": "spam", "RequestId": "del-1"}))
        .await;
    // THEN both receive aws:DELETE_MESSAGE naming the message under both spellings
    for frame in [moderator.next_frame().await, viewer.next_frame().await] {
        assert_eq!(frame["Type"], "EVENT");
        assert_eq!(frame["EventName"], "aws:DELETE_MESSAGE");
        assert_eq!(frame["Attributes"]["MessageId"], "abcDEF123456");
        assert_eq!(frame["Attributes"]["MessageID"], "abcDEF123456");
        assert_eq!(frame["Attributes"]["Reason"], "spam");
        assert_eq!(frame["RequestId"], "del-1");
    }
}

#[tokio::test]
async fn the_apis_delete_message_reaches_every_client() {
    // GIVEN two viewers in a room
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, None).await;
    let url = emulator.messaging_url();
    let mut one = join(&client, url, &room, "one", &[]).await;
    let mut two = join(&client, url, &room, "two", &[]).await;
    // WHEN DeleteMessage is called on the control plane
    let output = client
        .delete_message()
        .room_identifier(&room)
        .id("abcDEF123456")
        .reason("off topic")
        .send()
        .await
        .expect("DeleteMessage succeeds");
    // THEN both receive the event, whose Id is the operation id the API returned
    for frame in [one.next_frame().await, two.next_frame().await] {
        assert_eq!(frame["EventName"], "aws:DELETE_MESSAGE");
        assert_eq!(frame["Attributes"]["MessageID"], "abcDEF123456");
        assert_eq!(frame["Id"].as_str(), output.id());
    }
}

#[tokio::test]
async fn the_apis_send_event_reaches_every_client() {
    // GIVEN a viewer in a room
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, None).await;
    let mut viewer = join(&client, emulator.messaging_url(), &room, "viewer", &[]).await;
    // WHEN SendEvent is called
    client
        .send_event()
        .room_identifier(&room)
        .event_name("app:stream_start")
        .attributes("title", "Live now")
        .send()
        .await
        .expect("SendEvent succeeds");
    // THEN the viewer receives the event with its attributes
    let frame = viewer.next_frame().await;
    assert_eq!(frame["Type"], "EVENT");
    assert_eq!(frame["EventName"], "app:stream_start");
    assert_eq!(frame["Attributes"], json!({"title": "Live now"}));
}

#[tokio::test]
async fn a_disconnect_closes_the_targets_connection_and_it_cannot_send_afterwards() {
    // GIVEN a moderator and a target in a room
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, None).await;
    let url = emulator.messaging_url();
    let mut moderator = join(&client, url, &room, "mod", &[Cap::DisconnectUser]).await;
    let mut target = join(&client, url, &room, "troll", &[Cap::SendMessage]).await;
    // WHEN the moderator disconnects the target
    moderator
        .send(json!({"Action": "DISCONNECT_USER", "UserId": "troll", "Reason": "rude", "RequestId": "d1"}))
        .await;
    // THEN everyone sees aws:DISCONNECT_USER, the target's connection is closed
    let event = moderator.next_frame().await;
    assert_eq!(event["EventName"], "aws:DISCONNECT_USER");
    assert_eq!(
        event["Attributes"],
        json!({"UserId": "troll", "Reason": "rude"})
    );
    assert_eq!(
        target.next_frame().await["EventName"],
        "aws:DISCONNECT_USER"
    );
    let close = target.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1000);
    // AND what the target sends afterwards reaches nobody
    let _ = target
        .send_text(json!({"Action": "SEND_MESSAGE", "Content": "still here"}).to_string())
        .await;
    moderator.expect_silence(QUIET).await;
}

#[tokio::test]
async fn the_apis_disconnect_user_closes_every_connection_of_that_user() {
    // GIVEN a user connected twice and a bystander
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, None).await;
    let url = emulator.messaging_url();
    let mut first = join(&client, url, &room, "troll", &[]).await;
    let mut second = join(&client, url, &room, "troll", &[]).await;
    let mut bystander = join(&client, url, &room, "bystander", &[]).await;
    // WHEN DisconnectUser is called on the control plane
    client
        .disconnect_user()
        .room_identifier(&room)
        .user_id("troll")
        .send()
        .await
        .expect("DisconnectUser succeeds");
    // THEN both of the user's connections close and the bystander stays, seeing the event
    assert!(first.closed().await.is_some());
    assert!(second.closed().await.is_some());
    assert_eq!(
        bystander.next_frame().await["EventName"],
        "aws:DISCONNECT_USER"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(emulator.chat_connection_count(), 1);
}

fn http_status(refusal: Result<ChatClient, Refusal>) -> StatusCode {
    match refusal {
        Err(Refusal::Http(status, _)) => status,
        Err(other) => panic!("expected an HTTP refusal, got {other:?}"),
        Ok(_) => panic!("expected the connection to be refused"),
    }
}

#[tokio::test]
async fn a_reused_token_is_refused() {
    // GIVEN a token already used to connect
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, None).await;
    let token = token(&client, &room, "alice", &[]).await;
    let _first = ChatClient::connect(emulator.messaging_url(), &token)
        .await
        .expect("first use");
    // WHEN it is presented again THEN the handshake is refused with 401
    let again = ChatClient::connect(emulator.messaging_url(), &token).await;
    assert_eq!(http_status(again), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    // GIVEN a token whose expiry has passed
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, None).await;
    let token = token(&client, &room, "alice", &[]).await;
    emulator.advance_clock(Duration::from_secs(61 * 60));
    // WHEN it is presented THEN the handshake is refused with 401, saying it expired
    match ChatClient::connect(emulator.messaging_url(), &token).await {
        Err(Refusal::Http(status, body)) => {
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert!(body.contains("expired"), "{body}");
        }
        other => panic!("expected a 401, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn a_forged_or_missing_token_is_refused() {
    // GIVEN a token from another emulator, and no token at all
    let (emulator, client) = start(Emulator::builder()).await;
    let (other, other_client) = start(Emulator::builder()).await;
    let room_elsewhere = room(&other_client, None, None, None).await;
    let foreign = token(
        &other_client,
        &room_elsewhere,
        "mallory",
        &[Cap::SendMessage],
    )
    .await;
    // WHEN each is presented THEN both handshakes are refused with 401
    assert_eq!(
        http_status(ChatClient::connect(emulator.messaging_url(), &foreign).await),
        StatusCode::UNAUTHORIZED
    );
    let no_token = tokio_tungstenite::connect_async(emulator.messaging_url()).await;
    assert!(
        matches!(no_token, Err(tokio_tungstenite::tungstenite::Error::Http(r)) if r.status() == StatusCode::UNAUTHORIZED)
    );
    drop((client, other));
}

#[tokio::test]
async fn a_token_for_a_deleted_room_is_refused_with_404() {
    // GIVEN a token for a room that was then deleted
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, None).await;
    let token = token(&client, &room, "alice", &[]).await;
    client
        .delete_room()
        .identifier(&room)
        .send()
        .await
        .expect("DeleteRoom");
    // WHEN it is presented THEN the handshake is refused with 404
    assert_eq!(
        http_status(ChatClient::connect(emulator.messaging_url(), &token).await),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn deleting_a_room_closes_its_connections() {
    // GIVEN a client in a room
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, None).await;
    let mut alice = join(&client, emulator.messaging_url(), &room, "alice", &[]).await;
    // WHEN the room is deleted THEN the connection is closed
    client
        .delete_room()
        .identifier(&room)
        .send()
        .await
        .expect("DeleteRoom");
    assert!(alice.closed().await.is_some());
}

#[tokio::test]
async fn the_session_ends_at_its_expiration_time() {
    // GIVEN a client connected with a 5-minute session
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, None).await;
    let token = client
        .create_chat_token()
        .room_identifier(&room)
        .user_id("alice")
        .session_duration_in_minutes(5)
        .send()
        .await
        .expect("CreateChatToken")
        .token()
        .expect("a token")
        .to_owned();
    let mut alice = ChatClient::connect(emulator.messaging_url(), &token)
        .await
        .expect("connects");
    // WHEN the session's expiry passes
    emulator.advance_clock(Duration::from_secs(5 * 60 + 1));
    // THEN the client gets ERROR 401 (the code AWS's client reconnects on) and is closed
    let error = alice.next_frame().await;
    assert_eq!(error["ErrorCode"], 401);
    assert!(alice.closed().await.is_some());
}

#[tokio::test]
async fn a_sender_without_send_message_gets_403() {
    // GIVEN a viewer whose token has no capabilities, and a listener
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, None).await;
    let url = emulator.messaging_url();
    let mut viewer = join(&client, url, &room, "viewer", &[]).await;
    let mut listener = join(&client, url, &room, "listener", &[]).await;
    // WHEN the viewer sends a message
    viewer.say("hello", "r403").await;
    // THEN it gets ERROR 403 naming the capability and nobody receives the message
    let error = viewer.next_frame().await;
    assert_eq!(error["ErrorCode"], 403);
    assert_eq!(error["RequestId"], "r403");
    assert!(
        error["ErrorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("SEND_MESSAGE"))
    );
    listener.expect_silence(QUIET).await;
}

#[tokio::test]
async fn moderation_actions_without_their_capability_get_403() {
    // GIVEN a chatter who may only send
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, None).await;
    let mut chatter = join(
        &client,
        emulator.messaging_url(),
        &room,
        "chatter",
        &[Cap::SendMessage],
    )
    .await;
    // WHEN it tries to delete a message and to disconnect a user THEN both are 403
    chatter
        .send(json!({"Action": "DELETE_MESSAGE", "Id": "abcDEF123456"}))
        .await;
    assert_eq!(chatter.next_frame().await["ErrorCode"], 403);
    chatter
        .send(json!({"Action": "DISCONNECT_USER", "UserId": "bob"}))
        .await;
    assert_eq!(chatter.next_frame().await["ErrorCode"], 403);
}

#[tokio::test]
async fn the_room_rate_limit_produces_429() {
    // GIVEN a room allowing 2 messages per second
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, Some(2), None, None).await;
    let mut alice = join(
        &client,
        emulator.messaging_url(),
        &room,
        "alice",
        &[Cap::SendMessage],
    )
    .await;
    // WHEN three messages are sent at once
    for n in 0..3 {
        alice.say(&format!("m{n}"), &format!("r{n}")).await;
    }
    // THEN two are delivered and the third is ERROR 429
    let frames = [
        alice.next_frame().await,
        alice.next_frame().await,
        alice.next_frame().await,
    ];
    assert_eq!(frames[0]["Content"], "m0");
    assert_eq!(frames[1]["Content"], "m1");
    assert_eq!(frames[2]["ErrorCode"], 429);
    assert_eq!(frames[2]["RequestId"], "r2");
}

#[tokio::test]
async fn content_over_the_rooms_maximum_length_is_413() {
    // GIVEN a room whose maximumMessageLength is 5
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, Some(5), None).await;
    let mut alice = join(
        &client,
        emulator.messaging_url(),
        &room,
        "alice",
        &[Cap::SendMessage],
    )
    .await;
    // WHEN a 5- and a 6-code-point message are sent
    alice.say("héllo", "ok").await;
    alice.say("héllo!", "long").await;
    // THEN the first is delivered and the second is ERROR 413 naming Content and the limit
    assert_eq!(alice.next_frame().await["Content"], "héllo");
    let error = alice.next_frame().await;
    assert_eq!(error["ErrorCode"], 413);
    assert!(
        error["ErrorMessage"]
            .as_str()
            .is_some_and(|m| m.starts_with("Content:") && m.contains("maximumMessageLength"))
    );
}

#[tokio::test]
async fn a_malformed_request_is_400_naming_the_field() {
    // GIVEN a connected sender
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, None).await;
    let mut alice = join(
        &client,
        emulator.messaging_url(),
        &room,
        "alice",
        &[Cap::SendMessage],
    )
    .await;
    // WHEN it sends a message without Content, and then text that is not JSON
    alice
        .send(json!({"Action": "SEND_MESSAGE", "RequestId": "r"}))
        .await;
    let missing = alice.next_frame().await;
    let _ = alice.send_text("not json".into()).await;
    let garbled = alice.next_frame().await;
    // THEN both are ERROR 400 with a message naming what is wrong
    assert_eq!(missing["ErrorCode"], 400);
    assert_eq!(missing["ErrorMessage"], "Content: is required");
    assert_eq!(missing["RequestId"], "r");
    assert_eq!(garbled["ErrorCode"], 400);
    assert!(
        garbled["ErrorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("JSON"))
    );
}

#[tokio::test]
async fn update_room_applies_to_live_connections() {
    // GIVEN a client connected to a room without a handler
    let (emulator, client) = start(reviewed()).await;
    let room = room(&client, None, None, None).await;
    let mut alice = join(
        &client,
        emulator.messaging_url(),
        &room,
        "alice",
        &[Cap::SendMessage],
    )
    .await;
    alice.say("darn", "before").await;
    assert_eq!(alice.next_frame().await["Content"], "darn");
    // WHEN UpdateRoom attaches a handler and shortens the length limit
    client
        .update_room()
        .identifier(&room)
        .maximum_message_length(8)
        .message_review_handler(MessageReviewHandler::builder().uri(HANDLER).build())
        .send()
        .await
        .expect("UpdateRoom");
    // THEN the same connection's next messages are reviewed and limited
    alice.say("darn", "after").await;
    assert_eq!(alice.next_frame().await["Content"], "d**n");
    alice.say("far too long", "long").await;
    assert_eq!(alice.next_frame().await["ErrorCode"], 413);
}

#[tokio::test]
async fn connections_past_the_cap_are_refused_with_429() {
    // GIVEN an emulator capped at one connection, with one open
    let (emulator, client) = start(Emulator::builder().max_connections(1)).await;
    let room = room(&client, None, None, None).await;
    let _first = join(&client, emulator.messaging_url(), &room, "a", &[]).await;
    // WHEN a second client connects THEN it is refused with 429
    let token = token(&client, &room, "b", &[]).await;
    assert_eq!(
        http_status(ChatClient::connect(emulator.messaging_url(), &token).await),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_frame_over_the_size_limit_closes_the_connection_with_1009() {
    // GIVEN a 4 KiB frame limit
    let (emulator, client) = start(Emulator::builder().max_frame_bytes(4096)).await;
    let room = room(&client, None, None, None).await;
    let mut alice = join(
        &client,
        emulator.messaging_url(),
        &room,
        "alice",
        &[Cap::SendMessage],
    )
    .await;
    // WHEN an 8 KiB frame is sent
    let _ = alice.send_text("x".repeat(8192)).await;
    // THEN the connection is closed as too big
    let close = alice.closed().await;
    assert_eq!(close.map(|frame| u16::from(frame.code)), Some(1009));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_client_does_not_hold_up_the_others() {
    // GIVEN a room with a sender, a reader, and a client that never reads (tiny queue)
    let (emulator, client) = start(
        Emulator::builder()
            .client_queue_frames(8)
            .enforce_message_rate(false),
    )
    .await;
    let room = room(&client, None, None, None).await;
    let url = emulator.messaging_url();
    let mut sender = join(&client, url, &room, "sender", &[Cap::SendMessage]).await;
    let mut reader = join(&client, url, &room, "reader", &[]).await;
    let stalled_token = token(&client, &room, "stalled", &[]).await;
    let _stalled =
        ChatClient::connect_with_small_buffer(url, &stalled_token, emulator.messaging_addr()).await;
    assert_eq!(emulator.chat_connection_count(), 3);
    // WHEN 4000 large messages (more than the kernel buffers hold) are sent while the reader reads
    let count = 4000;
    let reading = tokio::spawn(async move {
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            ids.push(reader.next_frame().await["RequestId"].clone());
        }
        (ids, reader)
    });
    let content = "y".repeat(500);
    let attributes: serde_json::Map<String, Value> = (0..9)
        .map(|n| (format!("k{n}"), json!("z".repeat(100))))
        .collect();
    for n in 0..count {
        sender
            .send(json!({"Action": "SEND_MESSAGE", "Content": content, "Attributes": attributes, "RequestId": n.to_string()}))
            .await;
        let _ = sender.next_frame().await;
    }
    // THEN the reader got every one, in order, and the stalled client was cut off
    let (ids, _reader) = reading.await.expect("reader finishes");
    let expected: Vec<Value> = (0..count).map(|n| json!(n.to_string())).collect();
    assert_eq!(ids, expected);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(emulator.chat_connection_count(), 2);
}

#[tokio::test]
async fn rooms_with_a_logging_configuration_write_ivs_chat_log_records() {
    // GIVEN a log directory and a room attached to an S3 logging configuration
    let dir = std::env::temp_dir().join(format!("ivschat-chatlog-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (emulator, client) = start(Emulator::builder().log_dir(&dir)).await;
    let config = client
        .create_logging_configuration()
        .destination_configuration(DestinationConfiguration::S3(
            S3DestinationConfiguration::builder()
                .bucket_name("chat-archive")
                .build()
                .expect("bucket"),
        ))
        .send()
        .await
        .expect("CreateLoggingConfiguration")
        .arn()
        .expect("arn")
        .to_owned();
    let room = client
        .create_room()
        .logging_configuration_identifiers(&config)
        .send()
        .await
        .expect("CreateRoom")
        .arn()
        .expect("arn")
        .to_owned();
    let mut alice = join(
        &client,
        emulator.messaging_url(),
        &room,
        "alice",
        &[Cap::SendMessage],
    )
    .await;
    // WHEN a message and an event are delivered
    alice.say("for the record", "r").await;
    let message = alice.next_frame().await;
    client
        .send_event()
        .room_identifier(&room)
        .event_name("app:note")
        .send()
        .await
        .expect("SendEvent");
    let event = alice.next_frame().await;
    // THEN the destination's file holds both as IVS Chat log records, in delivery order
    let room_id = room.rsplit('/').next().unwrap_or_default();
    let path = dir
        .join("s3/chat-archive")
        .join(format!("room_{room_id}.jsonl"));
    let text = std::fs::read_to_string(&path).expect("log file written");
    let records: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON line"))
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["type"], "MESSAGE");
    assert_eq!(records[0]["version"], "1.0");
    assert_eq!(records[0]["payload"], message);
    assert!(
        records[0]["event_timestamp"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(records[1]["type"], "EVENT");
    assert_eq!(records[1]["payload"], event);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn review_handlers_are_invoked_through_the_lambda_invoke_api() {
    // GIVEN a stand-in Lambda Invoke API that uppercases content, mapped for every function
    use axum::extract::Path;
    let (path_tx, mut path_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let invoke = axum::Router::new().route(
        "/2015-03-31/functions/{name}/invocations",
        axum::routing::post(
            move |Path(name): Path<String>, axum::Json(request): axum::Json<Value>| {
                let path_tx = path_tx.clone();
                async move {
                    let _ = path_tx.send(name);
                    let content = request["Content"]
                        .as_str()
                        .unwrap_or_default()
                        .to_uppercase();
                    axum::Json(json!({"ReviewResult": "ALLOW", "Content": content}))
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, invoke).await });
    let (emulator, client) =
        start(Emulator::builder().review_endpoint("*", format!("http://{address}"))).await;
    let room = room(&client, None, None, Some((HANDLER, FallbackResult::Deny))).await;
    let mut alice = join(
        &client,
        emulator.messaging_url(),
        &room,
        "alice",
        &[Cap::SendMessage],
    )
    .await;
    // WHEN a message is sent
    alice.say("quiet please", "r").await;
    // THEN the endpoint's rewrite is delivered, invoked on the one path the Runtime Interface
    // Emulator serves (`function`, whatever the ARN names), since the URL is a bare host:port
    assert_eq!(alice.next_frame().await["Content"], "QUIET PLEASE");
    assert_eq!(path_rx.recv().await.as_deref(), Some("function"));
}

#[tokio::test]
async fn a_handler_nobody_mapped_gets_the_fallback() {
    // GIVEN a room whose handler ARN has no in-process function or endpoint, fallback ALLOW
    let (emulator, client) = start(Emulator::builder()).await;
    let room = room(&client, None, None, Some((HANDLER, FallbackResult::Allow))).await;
    let mut alice = join(
        &client,
        emulator.messaging_url(),
        &room,
        "alice",
        &[Cap::SendMessage],
    )
    .await;
    // WHEN a message is sent THEN it is delivered and the journal says no handler was mapped
    alice.say("hi", "r").await;
    assert_eq!(alice.next_frame().await["Content"], "hi");
    let review = emulator
        .journal()
        .into_iter()
        .find_map(|e| e.review)
        .expect("journaled");
    assert!(review.fallback_applied);
    assert!(
        review
            .failure
            .as_deref()
            .is_some_and(|f| f.contains("--review-endpoint"))
    );
}
