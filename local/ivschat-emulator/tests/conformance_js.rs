//! Conformance with AWS's own client: runs `tests/conformance-js/conformance.mjs`, which drives
//! the emulator through the `amazon-ivs-chat-messaging` npm package (pinned in that folder's
//! package-lock.json; `scripts/test-all` runs `npm ci` there first).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use ivschat_emulator::Emulator;
use serde_json::{Value, json};

const HANDLER: &str = "arn:aws:lambda:us-east-1:123456789012:function:review-handler";

fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("tests")
        .join("conformance-js")
}

#[tokio::test]
async fn aws_js_client_connects_sends_receives_deletes_disconnects_and_reads_406_and_429() {
    // GIVEN the emulator with a review handler that denies "badword", and the npm client installed
    let dir = conformance_dir();
    assert!(
        dir.join("node_modules/amazon-ivs-chat-messaging").is_dir(),
        "amazon-ivs-chat-messaging is not installed: run `npm ci` in {} (scripts/test-all does)",
        dir.display()
    );
    let emulator = Emulator::builder()
        .review_function(HANDLER, |request: Value| async move {
            let content = request["Content"].as_str().unwrap_or_default().to_owned();
            if content.contains("badword") {
                Ok(json!({"ReviewResult": "DENY", "Attributes": {"Reason": "no bad words here"}}))
            } else {
                Ok(json!({"ReviewResult": "ALLOW", "Content": content}))
            }
        })
        .start()
        .await
        .expect("emulator starts");
    // WHEN the conformance script runs against it
    let child = tokio::process::Command::new("node")
        .arg("--experimental-websocket")
        .arg("conformance.mjs")
        .current_dir(&dir)
        .env("IVSCHAT_ENDPOINT", emulator.url())
        .env("IVSCHAT_MESSAGING", emulator.messaging_url())
        .env("IVSCHAT_REVIEW_HANDLER", HANDLER)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node is on PATH (Node 20.10 or later)");
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the conformance script finishes within a minute")
        .expect("the conformance script runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    // THEN every check passes
    assert!(
        output.status.success(),
        "conformance failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("conformance: 6 checks passed"), "{stdout}");
}
