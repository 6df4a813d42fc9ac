//! What the test suites share (a dev-dependency only; no production crate depends on it): the
//! local IVS Chat emulator seeded with the rooms the `events/` fixtures name, a single-attempt
//! client and a fast-paced client for it, fixture loading, response assertions, a Secrets
//! Manager stand-in, log capture, and a fresh state table on the loopback DynamoDB-compatible
//! server the test command starts ([`state_table`]).
//!
//! Panics on failure, as test helpers do.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use std::time::Duration;

use ivschat_api::{
    ChatClient, ClientSettings, ControlPlaneRates, PacedChatClient, Pacer, RetryPolicy,
};
use ivschat_emulator::{Emulator, RunningEmulator};
use lambda_http::{Body, Request, Response};
use serde_json::Value;

/// The deployment the fixtures' APIs serve.
pub const DEPLOYMENT: &str = "chat-prod";
/// A room tagged for [`DEPLOYMENT`].
pub const MANAGED_ROOM: &str = "ManagedRoom1";
/// A room tagged for another deployment.
pub const OTHER_DEPLOYMENT_ROOM: &str = "OtherDeploy1";
/// A room with no deployment tag.
pub const UNMANAGED_ROOM: &str = "Unmanaged001";
/// The emulator's region.
pub const REGION: &str = "us-east-1";
/// The emulator's account.
pub const ACCOUNT: &str = "123456789012";

/// The variables every HTTP function requires (`DEPLOYMENT_NAME`, `AWS_REGION`,
/// `AWS_ACCOUNT_ID`, for [`DEPLOYMENT`], [`REGION`] and [`ACCOUNT`]), plus `extra`, which may
/// override them.
pub fn http_function_env(
    extra: &[(&'static str, &'static str)],
) -> BTreeMap<&'static str, &'static str> {
    let mut env = BTreeMap::from([
        ("DEPLOYMENT_NAME", DEPLOYMENT),
        ("AWS_REGION", REGION),
        ("AWS_ACCOUNT_ID", ACCOUNT),
    ]);
    env.extend(extra.iter().copied());
    env
}

/// The ARN of fixture room `id`.
pub fn room_arn(id: &str) -> String {
    format!("arn:aws:ivschat:{REGION}:{ACCOUNT}:room/{id}")
}

/// An emulator with no rooms, on a free loopback port.
pub async fn start_empty_emulator() -> RunningEmulator {
    Emulator::builder().start().await.expect("emulator starts")
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

/// Serves Secrets Manager's GetSecretValue (awsJson1.1) on a free loopback port for the given
/// secret ids, each answered with the given JSON (e.g. `{"Name": "hook", "SecretString": "…"}`);
/// an unknown id gets ResourceNotFoundException. Returns the endpoint URL, for
/// `endpoint_url` or `AWS_ENDPOINT_URL_SECRETS_MANAGER`.
pub async fn secrets_manager_stand_in(secrets: BTreeMap<String, Value>) -> String {
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;

    let secrets = Arc::new(secrets);
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let secrets = secrets.clone();
            async move {
                let json = [("content-type", "application/x-amz-json-1.1")];
                let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok());
                if target != Some("secretsmanager.GetSecretValue") {
                    return (StatusCode::BAD_REQUEST, "unexpected operation").into_response();
                }
                let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                let id = request["SecretId"].as_str().unwrap_or_default();
                match secrets.get(id) {
                    Some(answer) => (StatusCode::OK, json, answer.to_string()).into_response(),
                    None => (
                        StatusCode::BAD_REQUEST,
                        json,
                        serde_json::json!({
                            "__type": "ResourceNotFoundException",
                            "Message": "Secrets Manager can't find the specified secret."
                        })
                        .to_string(),
                    )
                        .into_response(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("bound address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// The variable holding the URL of the DynamoDB-compatible server on loopback (moto's server
/// mode), set by `scripts/test-all`, which starts and stops the server.
pub const DYNAMODB_URL_VARIABLE: &str = "TOOLKIT_TEST_DYNAMODB_URL";

/// The URL of the test DynamoDB server. Panics naming the variable when it is unset.
pub fn dynamodb_url() -> String {
    std::env::var(DYNAMODB_URL_VARIABLE).unwrap_or_else(|_| {
        panic!(
            "{DYNAMODB_URL_VARIABLE} is not set: run scripts/test-all, which starts moto on loopback, \
             or start `.venv/bin/python scripts/state-server -p 5999` and export \
             {DYNAMODB_URL_VARIABLE}=http://127.0.0.1:5999"
        )
    })
}

/// A DynamoDB client for the test server at `url` (static test credentials, `us-east-1`, one
/// attempt).
pub fn dynamodb_client(url: &str) -> aws_sdk_dynamodb::Client {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(ivschat_api::https_client())
        .endpoint_url(url)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// Creates a table shaped like `template.yaml`'s `StateTable` (string `pk` and `sk`,
/// on-demand, TTL on `expiresAt`) with a fresh name on the test server, so tests running in
/// parallel never share state.
pub async fn create_state_table(client: &aws_sdk_dynamodb::Client) -> String {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        TimeToLiveSpecification,
    };
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "toolkit-state-{}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("attribute definition")
    };
    let key = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .expect("key schema element")
    };
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(toolkit_state::PARTITION_KEY))
        .attribute_definitions(attribute(toolkit_state::SORT_KEY))
        .key_schema(key(toolkit_state::PARTITION_KEY, KeyType::Hash))
        .key_schema(key(toolkit_state::SORT_KEY, KeyType::Range))
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "CreateTable on the test DynamoDB server failed: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(&e)
            )
        });
    client
        .update_time_to_live()
        .table_name(&name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(toolkit_state::EXPIRES_AT)
                .build()
                .expect("ttl specification"),
        )
        .send()
        .await
        .expect("UpdateTimeToLive on the test DynamoDB server");
    name
}

/// An endpoint on loopback that accepts every connection and never answers (a DynamoDB or IVS
/// Chat brownout): its URL. The connections stay open until the test's runtime ends.
pub async fn hung_endpoint() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("bound address"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((connection, _)) = listener.accept().await {
            held.push(connection);
        }
    });
    url
}

/// The state table `name` at `url`, built the way the functions build theirs
/// ([`toolkit_state::StateTable::from_sdk_config`] with `timeouts`) from an AWS configuration
/// with static test credentials.
pub async fn state_table_at(
    url: &str,
    name: &str,
    timeouts: toolkit_state::StateTimeouts,
) -> toolkit_state::StateTable {
    let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(ivschat_api::https_client())
        .endpoint_url(url)
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_credential_types::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .load()
        .await;
    toolkit_state::StateTable::from_sdk_config(&aws, name, timeouts)
}

/// A [`toolkit_state::StateTable`] over a fresh table on the test server.
pub async fn state_table() -> toolkit_state::StateTable {
    let client = dynamodb_client(&dynamodb_url());
    let name = create_state_table(&client).await;
    toolkit_state::StateTable::new(client, name)
}

/// [`state_table`] for synchronous callers, even inside a Tokio test (the table is created on a
/// thread of its own).
pub fn state_table_now() -> toolkit_state::StateTable {
    std::thread::spawn(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the table setup")
            .block_on(state_table())
    })
    .join()
    .expect("state table created")
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

/// Attempts per call of the [`fast_pacer`].
pub const PACED_ATTEMPTS: u32 = 3;

/// A pacer fast enough for tests: high rates, 1 ms backoff, [`PACED_ATTEMPTS`] attempts.
pub fn fast_pacer() -> Pacer {
    Pacer::new(
        ControlPlaneRates {
            rooms: 1000,
            logging_configurations: 1000,
            tags: 1000,
            messaging: 1000,
        },
        RetryPolicy {
            max_attempts: PACED_ATTEMPTS,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        },
    )
}

/// A paced client for the emulator: the single-attempt [`client`] under the [`fast_pacer`], so
/// retries are the pacer's alone.
pub fn paced_client(emulator: &RunningEmulator) -> PacedChatClient {
    PacedChatClient::new(client(emulator), fast_pacer())
}

/// The API Gateway v2 request in `events/<folder>/<name>.json`, from a crate under `functions/`
/// or `tests/` (pass `env!("CARGO_MANIFEST_DIR")`).
pub fn fixture(manifest_dir: &str, folder: &str, name: &str) -> Request {
    let path = Path::new(manifest_dir)
        .join("../../events")
        .join(folder)
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    lambda_http::request::from_str(&text).expect("fixture is an API Gateway v2 request")
}

/// The fixture of [`fixture`] as JSON, changed by `edit` (a claim, a header, the body) before
/// it becomes a request: one fixture serves a family of attack variants.
pub fn fixture_with(
    manifest_dir: &str,
    folder: &str,
    name: &str,
    edit: impl FnOnce(&mut Value),
) -> Request {
    let path = Path::new(manifest_dir)
        .join("../../events")
        .join(folder)
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    let mut event: Value = serde_json::from_str(&text).expect("fixture is JSON");
    edit(&mut event);
    lambda_http::request::from_str(&event.to_string())
        .expect("edited fixture is an API Gateway v2 request")
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
    /// The captured text.
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
