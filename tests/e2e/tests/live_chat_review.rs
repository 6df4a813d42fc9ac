//! A chat message's whole trip, with the real review handler: WebSocket clients in a room of the
//! local IVS Chat emulator, whose review handler is the `review-handler` binary `sam build`
//! produced, running under the Lambda Runtime Interface Emulator and invoked through the Lambda
//! Invoke API exactly as `--review-endpoint` does it.

use std::time::Duration;

use e2e::{
    ChatSocket, LambdaUnderRie, REVIEW_HANDLER_ARN, control_plane_call, join_chat, workspace_root,
};
use futures::{SinkExt, StreamExt};
use ivschat_api::review::ReviewResult;
use ivschat_emulator::{Emulator, JournalAction};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

async fn next_frame(socket: &mut ChatSocket) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a frame arrives")
        {
            Some(Ok(Message::Text(text))) => {
                return serde_json::from_str(text.as_str()).expect("JSON frame");
            }
            Some(Ok(_)) => {}
            other => panic!("expected a frame, got {other:?}"),
        }
    }
}

async fn say(socket: &mut ChatSocket, content: &str) {
    socket
        .send(Message::text(
            json!({"Action": "SEND_MESSAGE", "Content": content, "RequestId": content}).to_string(),
        ))
        .await
        .expect("sent");
}

#[tokio::test]
async fn chat_messages_are_reviewed_by_the_built_review_handler_under_the_rie() {
    // GIVEN the built review handler with the fixture policy under the RIE, warmed up so its
    // cold start is not inside IVS's 200 ms
    let policy = workspace_root()
        .join("events/review/policy.toml")
        .display()
        .to_string();
    let lambda = LambdaUnderRie::start("ReviewHandlerFunction", &[("REVIEW_POLICY_PATH", &policy)])
        .await
        .expect("review handler starts");
    for _ in 0..2 {
        lambda
            .invoke_fixture("review/allow.json")
            .await
            .expect("warm-up invoke");
    }
    // AND an emulator that sends every review to it, with two clients in a reviewed room
    // whose fallback is ALLOW (so only a real answer can deny or mask)
    let emulator = Emulator::builder()
        .review_endpoint("*", lambda.invoke_url())
        .start()
        .await
        .expect("emulator starts");
    let room = control_plane_call(
        &emulator,
        "CreateRoom",
        json!({"messageReviewHandler": {"uri": REVIEW_HANDLER_ARN, "fallbackResult": "ALLOW"}}),
    )
    .await["arn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut alice = join_chat(&emulator, &room, "alice").await;
    let mut bob = join_chat(&emulator, &room, "bob").await;

    // WHEN alice sends a profane message, then a mildly rude one, then a clean one
    say(&mut alice, "this is f\u{200b}uck\u{ad}ing awesome").await;
    say(&mut alice, "that was crap, honestly").await;
    say(&mut alice, "good game everyone").await;

    // THEN alice gets ERROR 406 with the policy's reason for the first, and bob never sees it
    let denied = next_frame(&mut alice).await;
    assert_eq!(denied["Type"], "ERROR", "{denied}");
    assert_eq!(denied["ErrorCode"], 406);
    assert!(
        denied["ErrorMessage"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    // AND the rude one arrives masked, the clean one as written, to both clients
    for socket in [&mut alice, &mut bob] {
        let masked = next_frame(socket).await;
        assert_eq!(masked["Type"], "MESSAGE", "{masked}");
        let content = masked["Content"].as_str().unwrap_or_default();
        assert!(
            !content.contains("crap") && content.contains('*'),
            "{content}"
        );
        assert_eq!(next_frame(socket).await["Content"], "good game everyone");
    }
    // AND the journal shows three real answers from the binary, none a fallback
    let reviews: Vec<_> = emulator
        .journal()
        .into_iter()
        .filter(|entry| entry.action == JournalAction::ReviewMessage)
        .filter_map(|entry| entry.review)
        .collect();
    assert_eq!(reviews.len(), 3, "{reviews:?}");
    assert!(
        reviews.iter().all(|review| !review.fallback_applied),
        "{reviews:?}"
    );
    assert_eq!(reviews[0].result, ReviewResult::Deny);
    assert_eq!(reviews[2].result, ReviewResult::Allow);
    lambda.stop().await;
}
