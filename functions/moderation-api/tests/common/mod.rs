//! Test support: an IVS Chat emulator seeded with this deployment's rooms, the moderation API
//! pointed at it over HTTP, fixtures from `events/moderation-api/`, and log capture.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use http_api::FixedClock;
use ivschat_api::{ChatClient, ClientSettings};
use ivschat_emulator::{Emulator, RunningEmulator};
use lambda_http::{Body, Request, Response};
use moderation_api::{ModerationApi, ModerationApiConfig, handle_request};
use serde_json::Value;

/// The deployment the API serves.
pub const DEPLOYMENT: &str = "chat-prod";
/// A room tagged for [`DEPLOYMENT`].
pub const MANAGED_ROOM: &str = "ManagedRoom1";
/// A room tagged for another deployment.
pub const OTHER_DEPLOYMENT_ROOM: &str = "OtherDeploy1";
/// A room with no deployment tag.
pub const UNMANAGED_ROOM: &str = "Unmanaged001";
/// The emulator's region and account.
pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";

pub fn room_arn(id: &str) -> String {
    format!("arn:aws:ivschat:{REGION}:{ACCOUNT}:room/{id}")
}

/// An emulator holding the fixtures' rooms under their fixed ids.
pub async fn start_emulator() -> RunningEmulator {
    let emulator = Emulator::builder().start().await.expect("emulator starts");
    let deployment = |value: &str| {
        BTreeMap::from([(
            ivschat_api::managed::DEPLOYMENT_TAG.to_string(),
            value.to_string(),
        )])
    };
    for (id, tags) in [
        (MANAGED_ROOM, deployment(DEPLOYMENT)),
        (OTHER_DEPLOYMENT_ROOM, deployment("chat-staging")),
        (
            UNMANAGED_ROOM,
            BTreeMap::from([("team".to_string(), "video".to_string())]),
        ),
    ] {
        emulator
            .create_room_with_id(id, id, tags)
            .expect("fixture room seeded");
    }
    emulator
}

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
    ])
}

/// The configuration the tests run with.
pub fn config() -> ModerationApiConfig {
    ModerationApiConfig::from_source(&env()).expect("test configuration is valid")
}

/// A client for the emulator that does not retry, so every upstream error surfaces at once.
pub fn client(emulator: &RunningEmulator) -> ChatClient {
    ChatClient::for_endpoint(
        emulator.url(),
        REGION,
        "test",
        "test",
        ClientSettings {
            max_attempts: 1,
            ..ClientSettings::default()
        },
    )
}

/// The moderation API over the emulator, its clock stopped when the webhook fixtures were
/// signed.
pub fn api(emulator: &RunningEmulator) -> ModerationApi {
    api_at(emulator, FIXTURE_SIGNED_AT)
}

/// The moderation API over the emulator, its clock stopped at `unix_seconds`.
pub fn api_at(emulator: &RunningEmulator, unix_seconds: u64) -> ModerationApi {
    ModerationApi::new(config(), client(emulator))
        .with_clock(FixedClock::at_unix_seconds(unix_seconds))
}

/// The request in `events/moderation-api/NAME.json`.
pub fn fixture(name: &str) -> Request {
    let path = format!(
        "{}/../../events/moderation-api/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    lambda_http::request::from_str(&text).expect("fixture is an API Gateway v2 request")
}

/// Sends `request` through the handler.
pub async fn call(api: &ModerationApi, request: Request) -> Response<Body> {
    match handle_request(api, request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The response body as JSON.
pub fn body_json(response: &Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref()).expect("JSON body")
}

/// Asserts an error response's status, code and field.
pub fn assert_error(response: &Response<Body>, status: u16, code: &str, field: Option<&str>) {
    let body = body_json(response);
    assert_eq!(response.status().as_u16(), status, "body: {body}");
    assert_eq!(body["error"]["code"], code, "body: {body}");
    assert_eq!(body["error"]["field"].as_str(), field, "body: {body}");
}

/// Everything logged since [`capture_logs`] was called.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log lock")).into_owned()
    }
}

impl Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs a global subscriber capturing every log line at TRACE as JSON. A global one, not
/// a scoped one: callsites first hit by other threads would otherwise stay disabled. So call
/// it once, from a test binary with a single test.
pub fn capture_logs() -> CapturedLogs {
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
    logs
}
