//! How every Lambda of this toolkit starts, so that each `main.rs` is the same few lines. An
//! event-driven function (schedule, EventBridge, CloudWatch Logs subscription), as
//! `functions/stream-lifecycle/src/main.rs` is written:
//!
//! ```ignore
//! #[tokio::main]
//! async fn main() -> Result<(), lambda_runtime::Error> {
//!     let (config, aws) = function_startup::start(MyConfig::from_env).await?;
//!     let client = ivschat_api::PacedChatClient::from_sdk_config(&aws);
//!     let (config, client) = (
//!         function_startup::leak_for_process(config),
//!         function_startup::leak_for_process(client),
//!     );
//!     function_startup::serve_events(function_startup::event_handler(move |event: MyEvent| {
//!         handle(client, config, event)
//!     }))
//!     .await
//! }
//! ```
//!
//! (Not compiled here: it needs the `aws` feature and a function's own types.) The HTTP
//! functions end the same way with `http_api::serve(http_api::handler(…))` instead of
//! [`serve_events`]. Functions that need the steps of `start` apart call them one by one:
//! the moderation API loads the AWS configuration before its own (it may fetch the webhook
//! secret from Secrets Manager); the review handler, on IVS's 200 ms path, calls
//! [`init_tracing`] and [`require_config`], then `load_aws_config` only when
//! `STATE_TABLE_NAME` names the state table (its ban check reads bans from that DynamoDB table
//! through `toolkit-state`), and runs its own typed `lambda_runtime::run_concurrent` loop.
//!
//! - [`config`]: read every setting once, at cold start, into typed values; the first bad one
//!   fails the cold start with a [`ConfigError`] naming the variable and the rule.
//! - [`document`]: a document (rooms spec, tag policy) from the file a variable names, else the
//!   copy bundled into the binary.
//! - [`deployment`]: the settings several functions share (deployment name, default review
//!   handler, admin roles).
//! - [`events`]: the runtime loop of the event-driven functions ([`serve_events`], with a
//!   handler adapted by [`event_handler`]).
//! - [`leak_for_process`]: values built at cold start, leaked on purpose so the handler can
//!   borrow them for the life of the process.
//! - (feature `aws`) [`start`]: the whole cold start; [`init_tracing`], [`require_config`] and
//!   [`load_aws_config`]: its steps, for functions that need them apart.

#![warn(missing_docs)]

// No panic may end a function's process: the Lambda runtime catches a panic in a handler and
// answers that one invocation with an error, which needs unwinding. A build with
// `panic = "abort"` (in a profile, or by a builder's override) would turn any panic into a
// crashed process and a cold start for everyone after it, so it does not compile
// (docs/security.md; tests/e2e checks the sam-built binaries).
const _: () = assert!(
    cfg!(panic = "unwind"),
    "the toolkit's functions must be built with panic = \"unwind\" (docs/security.md)"
);

pub mod config;
pub mod deployment;
pub mod document;
pub mod events;

use std::fmt::Display;

pub use config::{ConfigError, ConfigReader, ConfigSource, ProcessEnv};
pub use document::BundledDocument;
pub use events::{EventHandler, event_handler, serve_events};

/// Sets up logging as Lambda expects (the settings of [`LogSettings::from_source`]): JSON
/// lines with `AWS_LAMBDA_LOG_FORMAT=JSON`, the level from `AWS_LAMBDA_LOG_LEVEL` (or
/// `RUST_LOG`), INFO by default; colours only when stdout is a terminal.
///
/// Outside a Lambda runtime (`AWS_LAMBDA_RUNTIME_API` unset, e.g. `cargo run -p token-api`) it
/// logs [`outside_lambda`]'s message, which names this project's way to run the function, and
/// exits with status 2, instead of letting the runtime panic later over a missing variable.
pub fn init_tracing() {
    use lambda_runtime::tracing::subscriber::{EnvFilter, fmt};
    use std::io::IsTerminal;

    let settings = LogSettings::from_source(&ProcessEnv, std::io::stdout().is_terminal());
    let collector = fmt()
        .with_target(false)
        .without_time()
        .with_ansi(settings.ansi)
        .with_env_filter(
            EnvFilter::builder()
                .with_default_directive(settings.level.into())
                .from_env_lossy(),
        )
        .with_writer(std::io::stdout);
    // A second call (tests) keeps the first subscriber.
    let _ = if settings.json {
        collector.json().try_init()
    } else {
        collector.try_init()
    };
    let binary = std::env::args()
        .next()
        .and_then(|path| {
            std::path::Path::new(&path)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "this function".to_owned());
    if let Some(message) = outside_lambda(&ProcessEnv, &binary) {
        tracing::error!("{message}");
        std::process::exit(2);
    }
}

/// The variable every Lambda runtime sets (AWS, the Runtime Interface Emulator, `cargo lambda
/// watch`): where the function fetches its invocations.
pub const RUNTIME_API_VARIABLE: &str = "AWS_LAMBDA_RUNTIME_API";

/// `None` under a Lambda runtime; otherwise what to do instead, naming this project's commands
/// (the local stack, `cargo lambda invoke` with a fixture, the deploy guide).
pub fn outside_lambda(source: &dyn ConfigSource, binary: &str) -> Option<String> {
    if source
        .get(RUNTIME_API_VARIABLE)
        .is_some_and(|value| !value.trim().is_empty())
    {
        return None;
    }
    Some(format!(
        "{binary} is a Lambda function and runs only under a Lambda runtime \
         ({RUNTIME_API_VARIABLE} is not set): start the local stack with ./scripts/run-local and \
         invoke it with `cargo lambda invoke {binary} --data-file events/FOLDER/NAME.json` \
         (events/README.md lists every fixture and its answer), or deploy it (README.md, Deploy)"
    ))
}

/// How a function logs, read from Lambda's advanced logging controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSettings {
    /// JSON lines (`AWS_LAMBDA_LOG_FORMAT=JSON`, as the template sets) instead of text.
    pub json: bool,
    /// The most verbose level logged.
    pub level: lambda_runtime::tracing::subscriber::filter::LevelFilter,
    /// ANSI colours: only in text format, only when stdout is a terminal, and never with
    /// `NO_COLOR` set (no escape codes in CloudWatch, log files or pipes).
    pub ansi: bool,
}

impl LogSettings {
    /// Reads `AWS_LAMBDA_LOG_FORMAT`, `AWS_LAMBDA_LOG_LEVEL` (else `RUST_LOG`, else INFO; an
    /// unreadable level is INFO) and `NO_COLOR` from `source`.
    pub fn from_source(source: &dyn ConfigSource, stdout_is_terminal: bool) -> LogSettings {
        use lambda_runtime::tracing::subscriber::filter::LevelFilter;

        let json = source
            .get("AWS_LAMBDA_LOG_FORMAT")
            .is_some_and(|format| format.eq_ignore_ascii_case("json"));
        let level = source
            .get("AWS_LAMBDA_LOG_LEVEL")
            .or_else(|| source.get("RUST_LOG"))
            .and_then(|level| level.parse::<LevelFilter>().ok())
            .unwrap_or(LevelFilter::INFO);
        let no_color = source.get("NO_COLOR").is_some_and(|v| !v.is_empty());
        LogSettings {
            json,
            level,
            ansi: !json && stdout_is_terminal && !no_color,
        }
    }
}

/// Leaks `value` on purpose (`Box::leak`) and returns a `&'static` reference to it: a value
/// built at cold start (configuration, clients) then lives as long as the process, so the
/// handler the runtime loop clones into each concurrent invocation ([`serve_events`],
/// `http_api::serve`, `lambda_runtime::run_concurrent`) can borrow it without an `Arc`.
///
/// The memory is never freed; that is the point. Call it once per value per cold start, from
/// `main`, never per invocation: each call leaks a new allocation.
pub fn leak_for_process<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// Why a function could not start. Its message is the underlying error's, which names the
/// variable (or document) and the rule; it never carries a secret's value.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ColdStartError(String);

/// Passes a loaded configuration through, logging its one-line summary (its `Display`, which
/// must hold no secret) at INFO; or logs the error at ERROR (once, with the variable and rule it
/// names) and returns it as a [`ColdStartError`], so that the function fails its cold start
/// with one clear line instead of failing requests later.
pub fn require_config<C: Display, E: Display>(loaded: Result<C, E>) -> Result<C, ColdStartError> {
    match loaded {
        Ok(config) => {
            tracing::info!(config = %config, "configuration loaded");
            Ok(config)
        }
        Err(error) => {
            tracing::error!(%error, "invalid configuration; the function cannot start");
            Err(ColdStartError(error.to_string()))
        }
    }
}

/// The whole cold start of a function that calls AWS: [`init_tracing`], the configuration
/// through [`require_config`], then [`load_aws_config`], in that order (a bad setting fails before
/// any AWS work).
#[cfg(feature = "aws")]
pub async fn start<C: Display, E: Display>(
    read_config: impl FnOnce() -> Result<C, E>,
) -> Result<(C, aws_config::SdkConfig), ColdStartError> {
    init_tracing();
    let config = require_config(read_config())?;
    Ok((config, load_aws_config().await))
}

/// The AWS configuration (region, credentials, `AWS_ENDPOINT_URL_*` endpoints) from the standard
/// chain, loaded once per cold start and shared by every client the function builds.
#[cfg(feature = "aws")]
pub async fn load_aws_config() -> aws_config::SdkConfig {
    ivschat_api::load_sdk_config().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_configuration_fails_with_the_message_that_names_the_variable() {
        let loaded: Result<u32, ConfigError> =
            Err(ConfigError::new("DEPLOYMENT_NAME", "must be set"));
        let error = require_config(loaded).expect_err("invalid");
        assert_eq!(
            error.to_string(),
            "configuration DEPLOYMENT_NAME: must be set"
        );
    }

    #[test]
    fn logs_carry_colours_only_in_text_on_a_terminal() {
        use lambda_runtime::tracing::subscriber::filter::LevelFilter;
        use std::collections::BTreeMap;

        let none: BTreeMap<&str, &str> = BTreeMap::new();
        let piped = LogSettings::from_source(&none, false);
        assert_eq!(
            piped,
            LogSettings {
                json: false,
                level: LevelFilter::INFO,
                ansi: false
            }
        );
        assert!(LogSettings::from_source(&none, true).ansi);
        let json = BTreeMap::from([("AWS_LAMBDA_LOG_FORMAT", "JSON")]);
        assert!(!LogSettings::from_source(&json, true).ansi);
        let no_color = BTreeMap::from([("NO_COLOR", "1")]);
        assert!(!LogSettings::from_source(&no_color, true).ansi);
    }

    #[test]
    fn the_level_comes_from_lambda_first_then_rust_log() {
        use lambda_runtime::tracing::subscriber::filter::LevelFilter;
        use std::collections::BTreeMap;

        let both = BTreeMap::from([("AWS_LAMBDA_LOG_LEVEL", "WARN"), ("RUST_LOG", "debug")]);
        assert_eq!(
            LogSettings::from_source(&both, false).level,
            LevelFilter::WARN
        );
        let rust_log = BTreeMap::from([("RUST_LOG", "debug")]);
        assert_eq!(
            LogSettings::from_source(&rust_log, false).level,
            LevelFilter::DEBUG
        );
        let unreadable = BTreeMap::from([("RUST_LOG", "module=debug")]);
        assert_eq!(
            LogSettings::from_source(&unreadable, false).level,
            LevelFilter::INFO
        );
    }

    #[test]
    fn outside_a_lambda_runtime_the_message_names_the_local_stack_and_the_fixtures() {
        use std::collections::BTreeMap;

        let none: BTreeMap<&str, &str> = BTreeMap::new();
        let message = outside_lambda(&none, "token-api").expect("no runtime API");
        assert!(message.contains("./scripts/run-local"), "{message}");
        assert!(
            message.contains("cargo lambda invoke token-api"),
            "{message}"
        );
        let runtime = BTreeMap::from([(RUNTIME_API_VARIABLE, "127.0.0.1:9001")]);
        assert_eq!(outside_lambda(&runtime, "token-api"), None);
    }

    #[test]
    fn a_good_configuration_passes_through() {
        assert_eq!(require_config(Ok::<_, ConfigError>(7)).expect("valid"), 7);
    }
}
