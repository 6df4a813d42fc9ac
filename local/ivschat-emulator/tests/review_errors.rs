//! A review that fails for a configuration reason (the Invoke API answers 404, nothing listens
//! on the port) is not only a silent fallback: the `ivschat-emulator` binary logs an ERROR line
//! that names the fix.

mod chat;
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aws_sdk_ivschat::types::{ChatTokenCapability as Cap, FallbackResult};
use chat::{join, room};

const BINARY: &str = env!("CARGO_BIN_EXE_ivschat-emulator");
const UNREACHABLE: &str = "arn:aws:lambda:us-east-1:123456789012:function:nobody-listens";
const WRONG_PATH: &str = "arn:aws:lambda:us-east-1:123456789012:function:wrong-path";

/// The binary, killed when the test ends; its stderr lines arrive on `log`.
struct Running {
    child: Child,
    url: String,
    messaging_url: String,
    log: mpsc::Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BINARY)
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout piped"));
        let mut line = |prefix: &str| {
            let mut text = String::new();
            stdout.read_line(&mut text).expect("reads a line");
            text.trim()
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("unexpected line {text:?}"))
                .to_owned()
        };
        let url = line("listening on ");
        let messaging_url = line("messaging on ");
        let stderr = BufReader::new(child.stderr.take().expect("stderr piped"));
        let (sender, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            url,
            messaging_url,
            log,
        }
    }

    /// The first stderr line containing all of `parts`, within 10 s.
    fn log_line_with(&self, parts: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.log.recv_timeout(left) {
                Ok(line) if parts.iter().all(|part| line.contains(part)) => return line,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        panic!("no log line with {parts:?}; saw:\n{}", seen.join("\n"));
    }
}

#[tokio::test]
async fn a_404_or_a_refused_connection_is_an_error_line_naming_the_fix() {
    // GIVEN a port nothing listens on, and an Invoke API that serves no such path (an RIE given
    // a function name other than `function` answers so)
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let not_found = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, axum::Router::new()).await });
    // AND the binary with one function mapped to each
    let running = Running::start(&[
        "--review-endpoint",
        &format!("{UNREACHABLE}=http://127.0.0.1:{closed_port}"),
        "--review-endpoint",
        &format!("{WRONG_PATH}=http://{not_found}/2015-03-31/functions/wrong-path/invocations"),
    ]);
    let client = aws_sdk_ivschat::Client::from_conf(
        common::sdk_config(&running.url)
            .retry_config(aws_sdk_ivschat::config::retry::RetryConfig::disabled())
            .build(),
    );
    for (handler, user) in [(UNREACHABLE, "alice"), (WRONG_PATH, "bob")] {
        // WHEN a message is sent in a room with that handler (fallback ALLOW)
        let room = room(&client, None, None, Some((handler, FallbackResult::Allow))).await;
        let mut sender = join(
            &client,
            &running.messaging_url,
            &room,
            user,
            &[Cap::SendMessage],
        )
        .await;
        sender.say("hello", "r").await;
        // THEN it is delivered under the fallback
        assert_eq!(sender.next_frame().await["Content"], "hello");
    }
    // AND each failure is an ERROR line naming the function and the fix
    let refused = running.log_line_with(&["ERROR", UNREACHABLE]);
    assert!(
        refused.contains(&format!(
            "nothing accepts connections at http://127.0.0.1:{closed_port}"
        )),
        "{refused}"
    );
    assert!(
        refused.contains("start the review handler there") && refused.contains("--review-endpoint"),
        "{refused}"
    );
    let wrong_path = running.log_line_with(&["ERROR", WRONG_PATH]);
    assert!(wrong_path.contains("answered HTTP 404"), "{wrong_path}");
    assert!(
        wrong_path.contains("serves only /2015-03-31/functions/function/invocations")
            && wrong_path.contains("FUNCTION=http://HOST:PORT"),
        "{wrong_path}"
    );
}
