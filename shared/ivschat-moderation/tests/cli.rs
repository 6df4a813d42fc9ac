//! The `ivschat-review` command as operators run it: JSON Lines in, one reply per request out in
//! order, bad lines reported with their number and skipped, and the exit status (0 all good,
//! 1 some line was bad, 2 the command could not run).

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const ROOM: &str = "arn:aws:ivschat:us-east-1:123456789012:room/abcdEFGH1234";

fn request(id: &str, content: &str) -> String {
    serde_json::json!({
        "Content": content,
        "MessageId": id,
        "RoomArn": ROOM,
        "Attributes": {},
        "Sender": {"Attributes": {}, "UserId": "viewer-1", "Ip": "203.0.113.1"}
    })
    .to_string()
}

/// Runs the command with `args`, feeding `stdin`, with no policy from the environment.
fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ivschat-review"))
        .args(args)
        .env_remove("REVIEW_POLICY_PATH")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ivschat-review starts");
    // A command that refuses its arguments exits without reading stdin: the write may then
    // meet a closed pipe, which is not this test's concern (the exit status and stderr are).
    let written = child.stdin.take().expect("stdin").write_all(stdin);
    if let Err(error) = written {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    child.wait_with_output().expect("finished")
}

fn replies(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each output line is JSON"))
        .collect()
}

#[test]
fn good_lines_get_one_reply_each_in_order_and_exit_0() {
    // GIVEN two requests with a blank line between them
    let input = format!(
        "{}\n\n{}\n",
        request("m1", "see you tomorrow"),
        request("m2", "kill yourself")
    );
    // WHEN reviewed
    let output = run(&[], input.as_bytes());
    // THEN two replies come out in order, the blank line is skipped, and the status is 0
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let replies = replies(&output);
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[0]["ReviewResult"], "ALLOW");
    assert_eq!(replies[1]["ReviewResult"], "DENY");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("reviewed 2 messages"), "{stderr}");
}

#[test]
fn a_bad_line_is_reported_with_its_number_skipped_and_makes_the_status_1() {
    // GIVEN a good line, a line that is not JSON, a JSON line missing fields, another good line
    let input = format!(
        "{}\nnot json at all\n{{\"Content\": \"hi\"}}\n{}\n",
        request("m1", "hello"),
        request("m4", "hello again")
    );
    // WHEN reviewed
    let output = run(&[], input.as_bytes());
    // THEN the good lines are answered in order, each bad one is named by its line number,
    // and the status is 1
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let replies = replies(&output);
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[0]["Content"], "hello");
    assert_eq!(replies[1]["Content"], "hello again");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 2: invalid review request"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 3: invalid review request"),
        "{stderr}"
    );
    assert!(stderr.contains("bad lines 2"), "{stderr}");
}

#[test]
fn a_line_that_is_not_utf8_is_reported_and_the_rest_still_reviewed() {
    let mut input = b"\xff\xfe not utf-8\n".to_vec();
    input.extend_from_slice(request("m2", "hello").as_bytes());
    input.push(b'\n');
    let output = run(&[], &input);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(replies(&output).len(), 1);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 1: not valid UTF-8"), "{stderr}");
}

#[test]
fn an_unknown_option_or_a_missing_policy_exits_2_and_says_why() {
    // WHEN given an option it does not know THEN it prints the usage and exits 2
    let unknown = run(&["--frobnicate"], b"");
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("--frobnicate"), "{stderr}");
    assert!(stderr.contains("Usage: ivschat-review"), "{stderr}");
    // WHEN the policy file does not exist THEN it names the file and exits 2, reviewing nothing
    let missing = run(
        &["--policy", "/nonexistent/policy.toml"],
        request("m1", "hello").as_bytes(),
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(missing.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("/nonexistent/policy.toml"), "{stderr}");
}

#[test]
fn help_prints_the_usage_and_exits_0() {
    let output = run(&["--help"], b"");
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Usage: ivschat-review"));
}
