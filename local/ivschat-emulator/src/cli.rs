//! Command-line parsing for the `ivschat-emulator` binary.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::config::{ConfigError, EmulatorConfig, ReviewEndpoint};
use crate::faults::FaultRule;

/// The `--help` text.
pub const USAGE: &str = "\
ivschat-emulator: a local stand-in for Amazon IVS Chat: the control-plane API and the
messaging WebSocket, with each room's review handler invoked as IVS invokes it

USAGE:
    ivschat-emulator [OPTIONS]

Prints `listening on http://HOST:PORT` and then `messaging on ws://HOST:PORT` on stdout once it
accepts requests, then logs one line per request on stderr (filter with RUST_LOG, default info).

OPTIONS:
    --bind ADDR                        IP:PORT or localhost:PORT to listen on
                                       [default: 127.0.0.1:0, any free port]
    --region REGION                    Region in ARNs and signatures [default: us-east-1]
    --account-id ID                    12-digit account id in ARNs [default: 123456789012]
    --room-quota N                     Rooms before CreateRoom answers 402 [default: 50000]
    --logging-configuration-quota N    Logging configurations before 402 [default: 10]
    --strict-auth                      Verify SigV4 signatures against --credentials
    --credentials KEY:SECRET           Accepted access key and secret (repeatable)
                                       [default: test:test]
    --fault SPEC                       Inject a fault (repeatable):
                                       OPERATION=KIND[:COUNT|:always][@PROBABILITY]
                                       KIND is throttle, internal or latency=MILLISECONDS;
                                       OPERATION is an operation name or *; no COUNT = always.
                                       e.g. CreateRoom=throttle:2, *=internal@0.1
    --fault-seed N                     Seed for probabilistic faults [default: 0]
    --state FILE                       Load state from FILE and save every change to it
    --messaging-bind ADDR              IP:PORT of the messaging WebSocket endpoint
                                       [default: the --bind IP, any free port]
    --review-endpoint FUNCTION=URL[,URL...]
                                       Invoke review handlers through the Lambda Invoke API at
                                       URL (repeatable). FUNCTION is a Lambda function ARN or *
                                       for all; URL is http://HOST:PORT (the Runtime Interface
                                       Emulator's path /2015-03-31/functions/function/invocations
                                       is added) or a full .../invocations URL, used as it is.
                                       Each URL is one instance serving one invocation at a
                                       time; several URLs for one FUNCTION (in a list, or by
                                       repeating the flag) are its pool: each review goes to an
                                       idle instance, or waits in line within the 200 ms.
                                       e.g. '*=http://127.0.0.1:9100,http://127.0.0.1:9102'
    --log-dir DIR                      Write chat logs (IVS Chat log records, JSON lines) for
                                       rooms with logging configurations under DIR
    --max-connections N                Open WebSocket connections allowed [default: 10000]
    --max-frame-bytes N                Largest WebSocket frame accepted [default: 65536]
    --client-queue-frames N            Frames queued for a client before it is cut off as too
                                       slow [default: 4096]
    -h, --help                         Print this help
    -V, --version                      Print the version

Admin endpoints (no signature needed): GET /_emulator/state, GET /_emulator/journal,
GET|POST|DELETE /_emulator/faults, POST /_emulator/reset, POST /_emulator/verify-token.
";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum CliCommand {
    /// Run with this configuration.
    Run(Box<EmulatorConfig>),
    /// Print the help text.
    Help,
    /// Print the version.
    Version,
}

/// A command line that cannot be used; every variant names the flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    /// An argument that is not a known flag.
    #[error("unknown argument `{0}` (see --help)")]
    UnknownFlag(String),
    /// A flag given without its value.
    #[error("flag {0} needs a value (see --help)")]
    MissingValue(String),
    /// A flag's value does not parse.
    #[error("invalid value `{value}` for {flag}: {reason}")]
    InvalidValue {
        /// The flag.
        flag: String,
        /// The value given.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
}

fn invalid(flag: &str, value: &str, reason: impl ToString) -> CliError {
    CliError::InvalidValue {
        flag: flag.to_owned(),
        value: value.to_owned(),
        reason: reason.to_string(),
    }
}

/// Parses the arguments after the program name.
pub fn parse<I, S>(args: I) -> Result<CliCommand, CliError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut config = EmulatorConfig::default();
    let mut credentials_given = false;
    let mut args = args.into_iter().map(Into::into);
    while let Some(arg) = args.next() {
        let (flag, inline_value) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |flag: &str| -> Result<String, CliError> {
            match inline_value.clone() {
                Some(value) => Ok(value),
                None => args
                    .next()
                    .filter(|value| !value.starts_with("--"))
                    .ok_or_else(|| CliError::MissingValue(flag.to_owned())),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(CliCommand::Help),
            "-V" | "--version" => return Ok(CliCommand::Version),
            "--bind" => {
                let text = value(&flag)?;
                // `localhost` is the one host name worth accepting: it needs no resolver.
                let numeric = match text.strip_prefix("localhost:") {
                    Some(port) => format!("127.0.0.1:{port}"),
                    None => text.clone(),
                };
                config.bind = numeric.parse::<SocketAddr>().map_err(|e| {
                    invalid(
                        &flag,
                        &text,
                        format!("{e} (expected HOST:PORT such as 127.0.0.1:0)"),
                    )
                })?;
            }
            "--region" => config.region = value(&flag)?,
            "--account-id" => config.account_id = value(&flag)?,
            "--room-quota" => {
                let text = value(&flag)?;
                config.quotas.rooms = text.parse().map_err(|e| invalid(&flag, &text, e))?;
            }
            "--logging-configuration-quota" => {
                let text = value(&flag)?;
                config.quotas.logging_configurations =
                    text.parse().map_err(|e| invalid(&flag, &text, e))?;
            }
            "--strict-auth" => {
                if inline_value.is_some() {
                    return Err(invalid(
                        &flag,
                        inline_value.as_deref().unwrap_or_default(),
                        "takes no value",
                    ));
                }
                config.strict_auth = true;
            }
            "--credentials" => {
                let text = value(&flag)?;
                let (key, secret) = text
                    .split_once(':')
                    .filter(|(key, secret)| !key.is_empty() && !secret.is_empty())
                    .ok_or_else(|| invalid(&flag, &text, "expected ACCESS_KEY_ID:SECRET"))?;
                if !credentials_given {
                    config.credentials.clear();
                    credentials_given = true;
                }
                config.credentials.insert(key.to_owned(), secret.to_owned());
            }
            "--fault" => {
                let text = value(&flag)?;
                config
                    .faults
                    .push(FaultRule::parse(&text).map_err(|e| invalid(&flag, &text, e))?);
            }
            "--fault-seed" => {
                let text = value(&flag)?;
                config.fault_seed = text.parse().map_err(|e| invalid(&flag, &text, e))?;
            }
            "--state" => config.state_file = Some(PathBuf::from(value(&flag)?)),
            "--messaging-bind" => {
                let text = value(&flag)?;
                let numeric = match text.strip_prefix("localhost:") {
                    Some(port) => format!("127.0.0.1:{port}"),
                    None => text.clone(),
                };
                config.messaging_bind = Some(numeric.parse::<SocketAddr>().map_err(|e| {
                    invalid(
                        &flag,
                        &text,
                        format!("{e} (expected HOST:PORT such as 127.0.0.1:0)"),
                    )
                })?);
            }
            "--review-endpoint" => {
                let text = value(&flag)?;
                config.review_endpoints.extend(
                    ReviewEndpoint::parse_all(&text).map_err(|e| invalid(&flag, &text, e))?,
                );
            }
            "--log-dir" => config.log_dir = Some(PathBuf::from(value(&flag)?)),
            "--max-connections" | "--max-frame-bytes" | "--client-queue-frames" => {
                let text = value(&flag)?;
                let number: usize = text.parse().map_err(|e| invalid(&flag, &text, e))?;
                if number == 0 {
                    return Err(invalid(&flag, &text, "must be at least 1"));
                }
                match flag.as_str() {
                    "--max-connections" => config.max_connections = number,
                    "--max-frame-bytes" => config.max_frame_bytes = number,
                    _ => config.client_queue_frames = number,
                }
            }
            _ => return Err(CliError::UnknownFlag(arg)),
        }
    }
    if let Err(error) = config.validate() {
        let value = match &error {
            ConfigError::Region(value) | ConfigError::AccountId(value) => value.clone(),
            ConfigError::Credentials(_)
            | ConfigError::Fault(_)
            | ConfigError::ReviewEndpoint(_)
            | ConfigError::Limit(_) => String::new(),
        };
        return Err(invalid(error.flag(), &value, error));
    }
    Ok(CliCommand::Run(Box::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> EmulatorConfig {
        match parse(args.iter().copied()) {
            Ok(CliCommand::Run(config)) => *config,
            other => panic!("expected a run configuration, got {other:?}"),
        }
    }

    #[test]
    fn parses_every_flag_in_both_spellings() {
        // GIVEN a command line using every flag
        let config = run(&[
            "--bind",
            "127.0.0.1:4510",
            "--region=eu-west-1",
            "--account-id",
            "210987654321",
            "--room-quota",
            "3",
            "--logging-configuration-quota=2",
            "--strict-auth",
            "--credentials",
            "AKID:s3cret",
            "--fault",
            "CreateRoom=throttle:2",
            "--fault-seed",
            "9",
            "--state",
            "/tmp/x.json",
        ]);
        // THEN each lands in the configuration
        assert_eq!(config.bind.port(), 4510);
        assert_eq!(
            run(&["--bind", "localhost:7"]).bind.to_string(),
            "127.0.0.1:7"
        );
        assert_eq!(config.region, "eu-west-1");
        assert_eq!(config.account_id, "210987654321");
        assert_eq!(config.quotas.rooms, 3);
        assert_eq!(config.quotas.logging_configurations, 2);
        assert!(config.strict_auth);
        assert_eq!(
            config.credentials.get("AKID").map(String::as_str),
            Some("s3cret")
        );
        assert!(!config.credentials.contains_key("test"));
        assert_eq!(config.faults.len(), 1);
        assert_eq!(config.fault_seed, 9);
        assert_eq!(config.state_file, Some(PathBuf::from("/tmp/x.json")));
    }

    #[test]
    fn no_flags_give_the_defaults_the_readme_lists() {
        // GIVEN no flags WHEN parsed THEN every value is the one local/README.md's table names
        let config = run(&[]);
        assert_eq!(config.bind.to_string(), "127.0.0.1:0");
        assert_eq!(config.region, "us-east-1");
        assert_eq!(config.account_id, "123456789012");
        assert_eq!(config.quotas.rooms, 50_000);
        assert_eq!(config.quotas.logging_configurations, 10);
        assert!(!config.strict_auth);
        assert_eq!(
            config.credentials,
            std::collections::BTreeMap::from([("test".to_owned(), "test".to_owned())])
        );
        assert!(config.faults.is_empty());
        assert_eq!(config.fault_seed, 0);
        assert_eq!(config.state_file, None);
        assert_eq!(config.messaging_bind, None);
        assert!(config.review_endpoints.is_empty());
        assert_eq!(config.log_dir, None);
        assert_eq!(config.max_connections, 10_000);
        assert_eq!(config.max_frame_bytes, 65_536);
        assert_eq!(config.client_queue_frames, 4096);
    }

    #[test]
    fn names_the_flag_in_every_error() {
        // GIVEN bad command lines WHEN parsed THEN each error names its flag
        let message = |args: &[&str]| match parse(args.iter().copied()) {
            Err(error) => error.to_string(),
            Ok(other) => panic!("expected an error, got {other:?}"),
        };
        assert!(message(&["--bnd", "x"]).contains("--bnd"));
        assert!(message(&["--bind"]).contains("--bind"));
        assert!(message(&["--bind", "nowhere"]).contains("--bind"));
        assert!(message(&["--room-quota", "-1"]).contains("--room-quota"));
        assert!(message(&["--fault", "Nope=throttle"]).contains("--fault"));
        assert!(message(&["--account-id", "12"]).contains("--account-id"));
        assert!(message(&["--credentials", "nocolon"]).contains("--credentials"));
    }

    #[test]
    fn parses_the_messaging_flags() {
        // GIVEN a command line with every messaging flag
        let config = run(&[
            "--messaging-bind",
            "127.0.0.1:4511",
            "--review-endpoint",
            "*=http://127.0.0.1:9000",
            "--review-endpoint=arn:aws:lambda:us-east-1:123456789012:function:review=http://127.0.0.1:8080",
            "--log-dir",
            "/tmp/chat-logs",
            "--max-connections",
            "7",
            "--max-frame-bytes=2048",
            "--client-queue-frames",
            "16",
        ]);
        // THEN each lands in the configuration
        assert_eq!(config.messaging_bind.map(|a| a.port()), Some(4511));
        assert_eq!(config.review_endpoints.len(), 2);
        assert_eq!(config.review_endpoints[0].function, "*");
        assert_eq!(config.review_endpoints[1].url, "http://127.0.0.1:8080");
        assert_eq!(config.log_dir, Some(PathBuf::from("/tmp/chat-logs")));
        assert_eq!(config.max_connections, 7);
        assert_eq!(config.max_frame_bytes, 2048);
        assert_eq!(config.client_queue_frames, 16);
    }

    #[test]
    fn several_urls_for_one_function_make_its_pool_in_both_spellings() {
        // GIVEN a list for one function, and the flag repeated for it
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:review";
        let config = run(&[
            "--review-endpoint",
            &format!("{arn}=http://127.0.0.1:9100,http://127.0.0.1:9102"),
            &format!("--review-endpoint={arn}=http://127.0.0.1:9104"),
        ]);
        // THEN all three are instances of that function, in the order given
        let urls: Vec<&str> = config
            .review_endpoints
            .iter()
            .filter(|endpoint| endpoint.function == arn)
            .map(|endpoint| endpoint.url.as_str())
            .collect();
        assert_eq!(
            urls,
            [
                "http://127.0.0.1:9100",
                "http://127.0.0.1:9102",
                "http://127.0.0.1:9104"
            ]
        );
    }

    #[test]
    fn names_the_flag_of_a_bad_messaging_value() {
        // GIVEN bad messaging values WHEN parsed THEN each error names its flag and the rule
        let message = |args: &[&str]| match parse(args.iter().copied()) {
            Err(error) => error.to_string(),
            Ok(other) => panic!("expected an error, got {other:?}"),
        };
        assert!(message(&["--review-endpoint", "nourl"]).contains("--review-endpoint"));
        assert!(message(&["--review-endpoint", "lambda=http://x"]).contains("Lambda function ARN"));
        assert!(message(&["--review-endpoint", "*=ftp://x"]).contains("http://"));
        assert!(message(&["--review-endpoint", "*=http://a:1,http://a:1"]).contains("given twice"));
        assert!(message(&["--max-connections", "0"]).contains("at least 1"));
        assert!(message(&["--messaging-bind", "x"]).contains("--messaging-bind"));
    }

    #[test]
    fn help_and_version_win() {
        // GIVEN -h or --version WHEN parsed THEN they are recognised
        assert_eq!(parse(["-h"]), Ok(CliCommand::Help));
        assert_eq!(parse(["--version"]), Ok(CliCommand::Version));
    }
}
