//! Test support: an IVS Chat emulator seeded with this deployment's rooms, the token API
//! pointed at it over HTTP, fixtures from `events/token-api/`, and log capture.
#![allow(dead_code)]

use std::collections::BTreeMap;

use ivschat_emulator::RunningEmulator;
use lambda_http::{Body, Request, Response};
use token_api::{TokenApi, TokenApiConfig, handle_request};
pub use toolkit_test_support::*;

/// The configuration the tests run with.
pub fn config() -> TokenApiConfig {
    let env: BTreeMap<&str, &str> = BTreeMap::from([
        ("DEPLOYMENT_NAME", DEPLOYMENT),
        ("AWS_REGION", REGION),
        ("AWS_ACCOUNT_ID", ACCOUNT),
        ("DISPLAY_NAME_CLAIM", "preferred_username"),
        ("MAX_SESSION_MINUTES", "60"),
        ("CORS_ALLOWED_ORIGINS", "https://chat.example.com"),
    ]);
    TokenApiConfig::from_source(&env).expect("test configuration is valid")
}

/// The token API over the emulator.
pub fn api(emulator: &RunningEmulator) -> TokenApi {
    TokenApi::new(config(), client(emulator))
}

/// The request in `events/token-api/NAME.json`.
pub fn fixture(name: &str) -> Request {
    toolkit_test_support::fixture(env!("CARGO_MANIFEST_DIR"), "token-api", name)
}

/// Sends `request` through the handler.
pub async fn call(api: &TokenApi, request: Request) -> Response<Body> {
    match handle_request(api, request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
