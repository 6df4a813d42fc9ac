//! Test support: an IVS Chat emulator seeded with this deployment's rooms, the moderation API
//! pointed at it over HTTP, fixtures from `events/moderation-api/`, and log capture.
#![allow(dead_code)]

use std::collections::BTreeMap;

use function_startup::ConfigReader;
use http_api::FixedClock;
use ivschat_emulator::RunningEmulator;
use lambda_http::{Body, Request, Response};
use moderation_api::{ModerationApi, ModerationApiConfig, WebhookSecretSource, handle_request};
pub use toolkit_test_support::*;

/// The secret the webhook fixtures are signed with. Test use only.
pub const TEST_WEBHOOK_SECRET: &str = "test-webhook-secret-do-not-use-in-production";
/// The instant the signed webhook fixtures were signed at: 2026-01-01T00:00:00Z.
pub const FIXTURE_SIGNED_AT: u64 = 1_767_225_600;

/// The environment the tests run with.
pub fn env() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        ("DEPLOYMENT_NAME", DEPLOYMENT),
        ("AWS_REGION", REGION),
        ("AWS_ACCOUNT_ID", ACCOUNT),
        ("EVENT_NAME_ALLOW_LIST", "app:poll_started, app:stream_live"),
        ("CORS_ALLOWED_ORIGINS", "https://chat.example.com"),
        ("WEBHOOK_SECRET", TEST_WEBHOOK_SECRET),
        ("STATE_TABLE_NAME", "per-test-table"),
    ])
}

/// The configuration the tests run with.
pub fn config() -> ModerationApiConfig {
    config_from(&env())
}

/// The configuration `vars` give, the webhook secret read first (inline, as tests give it), as
/// the cold start reads it before building the configuration.
pub fn config_from(vars: &BTreeMap<&'static str, &'static str>) -> ModerationApiConfig {
    let secret = match WebhookSecretSource::from_config(&ConfigReader::new(vars))
        .expect("valid webhook secret setting")
    {
        WebhookSecretSource::Inline(secret) => Some(secret),
        WebhookSecretSource::Off => None,
        WebhookSecretSource::SecretsManager(_) => panic!("tests give the webhook secret inline"),
    };
    ModerationApiConfig::from_source(vars, secret).expect("test configuration is valid")
}

/// The moderation API over the emulator, its clock stopped when the webhook fixtures were
/// signed.
pub fn api(emulator: &RunningEmulator) -> ModerationApi {
    api_at(emulator, FIXTURE_SIGNED_AT)
}

/// The moderation API over the emulator, its clock stopped at `unix_seconds`, its seen
/// nonces in a fresh table on the loopback DynamoDB-compatible server.
pub fn api_at(emulator: &RunningEmulator, unix_seconds: u64) -> ModerationApi {
    api_with(config(), emulator, unix_seconds)
}

/// The moderation API for `config` over the emulator, its clock stopped at `unix_seconds`, its
/// seen nonces in a fresh table on the loopback DynamoDB-compatible server.
pub fn api_with(
    config: ModerationApiConfig,
    emulator: &RunningEmulator,
    unix_seconds: u64,
) -> ModerationApi {
    ModerationApi::new(config, client(emulator))
        .with_clock(FixedClock::at_unix_seconds(unix_seconds))
        .with_state_table(state_table_now())
}

/// The request in `events/moderation-api/NAME.json`.
pub fn fixture(name: &str) -> Request {
    toolkit_test_support::fixture(env!("CARGO_MANIFEST_DIR"), "moderation-api", name)
}

/// The audit lines (target `audit`) among captured JSON log lines.
pub fn audit_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["target"] == "audit")
        .collect()
}

/// Sends `request` through the handler.
pub async fn call(api: &ModerationApi, request: Request) -> Response<Body> {
    match handle_request(api, request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
