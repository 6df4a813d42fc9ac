//! What the token API logs. A binary of its own: it installs the global log subscriber.

mod common;

use common::*;
use http::StatusCode;

#[tokio::test]
async fn never_logs_the_minted_token() {
    // GIVEN every log line captured at TRACE, the SDK's and the emulator's included
    let logs = capture_logs();
    let emulator = start_emulator().await;
    let api = api(&emulator);
    // WHEN a token is minted
    let response = call(&api, fixture("post-token-chatter")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let token = body_json(&response)["token"]
        .as_str()
        .expect("token in body")
        .to_owned();
    // THEN the issue is logged with who and where, but the token appears nowhere
    let text = logs.text();
    let issued = text
        .lines()
        .find(|line| line.contains("chat token issued"))
        .expect("issue logged");
    assert!(
        issued.contains("5b6c7d8e-0001-4a2b-9c3d-chatter00001"),
        "{issued}"
    );
    assert!(issued.contains("req-0001"), "{issued}");
    assert!(!text.contains(&token));
}
