//! The `ivschat-emulator` binary: startup line, help, flag errors, faults from flags.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_ivschat-emulator");

/// Kills the child when the test ends, however it ends (and keeps its stdout open till then).
struct Running(
    Child,
    #[allow(dead_code)] BufReader<std::process::ChildStdout>,
);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(BINARY)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).expect("reads the first line");
    (Running(child, reader), line)
}

#[test]
fn prints_exactly_the_listening_line_with_the_bound_port() {
    // GIVEN the binary asked for any free port
    // WHEN it starts
    let (_running, line) = spawn(&["--bind", "127.0.0.1:0"]);
    // THEN its first stdout line is `listening on http://127.0.0.1:PORT` with a real port
    let port = line
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix('\n'))
        .and_then(|port| port.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("unexpected line {line:?}"));
    assert_ne!(port, 0);
    // AND it accepts connections on that port
    std::net::TcpStream::connect_timeout(
        &format!("127.0.0.1:{port}").parse().expect("address"),
        Duration::from_secs(2),
    )
    .expect("port accepts connections");
}

#[test]
fn prints_the_messaging_line_second() {
    // GIVEN the binary asked for any free ports WHEN it starts
    let (mut running, _) = spawn(&["--bind", "127.0.0.1:0"]);
    let mut line = String::new();
    running
        .1
        .read_line(&mut line)
        .expect("reads the second line");
    // THEN its second line is `messaging on ws://127.0.0.1:PORT`, and that port is open
    let port = line
        .strip_prefix("messaging on ws://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix('\n'))
        .and_then(|port| port.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("unexpected line {line:?}"));
    std::net::TcpStream::connect_timeout(
        &format!("127.0.0.1:{port}").parse().expect("address"),
        Duration::from_secs(2),
    )
    .expect("messaging port accepts connections");
}

#[tokio::test]
async fn serves_the_api_with_region_account_and_faults_from_flags() {
    // GIVEN the binary in eu-west-1 for another account, with one CreateRoom throttle
    let (_running, line) = spawn(&[
        "--bind",
        "127.0.0.1:0",
        "--region",
        "eu-west-1",
        "--account-id",
        "210987654321",
        "--fault",
        "CreateRoom=throttle:1",
    ]);
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("line")
        .to_owned();
    let client = aws_sdk_ivschat::Client::from_conf(
        aws_sdk_ivschat::Config::builder()
            .behavior_version(aws_sdk_ivschat::config::BehaviorVersion::latest())
            .http_client(ivschat_api::https_client())
            .region(aws_sdk_ivschat::config::Region::new("eu-west-1"))
            .credentials_provider(aws_sdk_ivschat::config::Credentials::new(
                "test", "test", None, None, "static",
            ))
            .retry_config(aws_sdk_ivschat::config::retry::RetryConfig::disabled())
            .endpoint_url(&url)
            .build(),
    );
    // WHEN a room is created twice
    let first = client.create_room().send().await;
    let second = client.create_room().send().await.expect("second succeeds");
    // THEN the first is throttled and the second's ARN has the Region and account
    assert!(first.is_err());
    assert!(
        second
            .arn()
            .expect("arn")
            .starts_with("arn:aws:ivschat:eu-west-1:210987654321:room/")
    );
}

#[test]
fn help_prints_usage_and_exits_zero() {
    // GIVEN --help WHEN run THEN usage naming the flags is printed and it exits 0
    let output = Command::new(BINARY).arg("--help").output().expect("runs");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--bind",
        "--region",
        "--account-id",
        "--strict-auth",
        "--fault",
        "--state",
    ] {
        assert!(text.contains(flag), "help lacks {flag}");
    }
}

#[test]
fn a_bad_flag_fails_with_a_message_naming_it() {
    // GIVEN an unknown flag and a bad value WHEN run THEN each fails naming the flag
    for (args, flag) in [
        (vec!["--bnid", "127.0.0.1:0"], "--bnid"),
        (vec!["--bind", "not-an-address"], "--bind"),
        (vec!["--fault", "CreateRoom=explode"], "--fault"),
    ] {
        let output = Command::new(BINARY).args(&args).output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let text = String::from_utf8_lossy(&output.stderr);
        assert!(text.contains(flag), "{text}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_corrupt_state_file_stops_startup_naming_the_file() {
    // GIVEN a state file that is not JSON
    let path = std::env::temp_dir().join(format!("ivschat-corrupt-{}.json", std::process::id()));
    std::fs::write(&path, b"{ not json").expect("writes");
    // WHEN the binary starts with it
    let output = Command::new(BINARY)
        .args(["--bind", "127.0.0.1:0", "--state"])
        .arg(&path)
        .output()
        .expect("runs");
    let _ = std::fs::remove_file(&path);
    // THEN it exits non-zero, naming the file, without printing the listening line
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(output.stdout.is_empty());
}
