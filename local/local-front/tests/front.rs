//! The front over real HTTP, with the project's `template.yaml` and the demo identity provider:
//! requests a JWT authorizer refuses never reach a function, and the function behind a route
//! receives API Gateway's payload 2.0 event. The functions here are a recording stand-in that
//! serves the Lambda Invoke API; `tests/e2e/tests/through_the_front.rs` runs the real ones.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use local_front::{
    DemoUsers, Front, FrontConfig, IdentityProvider, SigningKey, StackSettings, Template,
};
use serde_json::{Value, json};

const AUDIENCE: &str = "ivschat-local";

/// The RSA keys, generated once per test binary.
fn keys() -> &'static (SigningKey, SigningKey) {
    static KEYS: OnceLock<(SigningKey, SigningKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        (
            SigningKey::generate().expect("a key"),
            SigningKey::generate().expect("another key"),
        )
    })
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

struct Stack {
    api: String,
    idp: Arc<IdentityProvider>,
    front: Arc<Front>,
    events: Arc<Mutex<Vec<Value>>>,
    http: reqwest::Client,
}

/// A stand-in for every function: records each event and answers 200 with a JSON body.
async fn recording_function() -> (String, Arc<Mutex<Vec<Value>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let recorded = events.clone();
    let app = axum::Router::new().route(
        "/2015-03-31/functions/function/invocations",
        axum::routing::post(move |axum::Json(event): axum::Json<Value>| {
            let recorded = recorded.clone();
            async move {
                recorded.lock().expect("events").push(event);
                axum::Json(json!({
                    "statusCode": 200,
                    "headers": {"content-type": "application/json", "access-control-allow-origin": "*"},
                    "body": "{\"ok\":true}",
                }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, events)
}

async fn stack() -> Stack {
    let (function_url, events) = recording_function().await;
    stack_with(function_url, events, |_| {}).await
}

/// The front with every function at `function_url`, its template changed by `edit` first.
async fn stack_with(
    function_url: String,
    events: Arc<Mutex<Vec<Value>>>,
    edit: impl FnOnce(&mut Template),
) -> Stack {
    let idp_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let idp_url = format!("http://{}", idp_listener.local_addr().expect("address"));
    let users = DemoUsers::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo-users.toml"))
        .expect("demo users");
    let idp = Arc::new(IdentityProvider::new(
        &idp_url,
        AUDIENCE,
        keys().0.clone(),
        users,
    ));
    tokio::spawn(idp.clone().serve(idp_listener, std::future::pending()));

    let settings = StackSettings {
        parameters: [
            ("JwtIssuer", idp_url.as_str()),
            ("JwtAudience", AUDIENCE),
            (
                "WebhookSecretArn",
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:hook-AbCdEf",
            ),
            ("CorsAllowedOrigins", "http://127.0.0.1:4500"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect(),
        ..StackSettings::default()
    };
    let mut template = Template::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml"),
        &settings,
    )
    .expect("template.yaml");
    edit(&mut template);
    let functions = template
        .routes
        .iter()
        .map(|r| (r.function.clone(), function_url.clone()))
        .collect();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let front = Arc::new(
        Front::new(FrontConfig {
            template,
            functions,
            account_id: "123456789012".into(),
            port: address.port(),
            emulator_url: None,
            messaging_url: None,
            idp_url: Some(idp_url),
            log_requests: false,
        })
        .expect("front"),
    );
    tokio::spawn(front.clone().serve(listener, std::future::pending()));
    Stack {
        api: format!("http://{address}"),
        idp,
        front,
        events,
        http: reqwest::Client::new(),
    }
}

impl Stack {
    async fn post(&self, path: &str, jwt: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}{path}", self.api))
            .header("content-type", "application/json")
            .body("{}");
        if let Some(jwt) = jwt {
            request = request.header("authorization", format!("Bearer {jwt}"));
        }
        request.send().await.expect("the front answers")
    }

    async fn sign_in(&self, username: &str) -> String {
        let response = self
            .http
            .post(format!("{}/token", self.idp.issuer()))
            .json(&json!({"username": username}))
            .send()
            .await
            .expect("the identity provider answers");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("JSON");
        body["id_token"].as_str().expect("id_token").to_owned()
    }
}

async fn assert_unauthorized(response: reqwest::Response, description: Option<&str>) {
    assert_eq!(response.status(), 401);
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    match description {
        Some(description) => assert!(
            challenge.contains(&format!("error_description=\"{description}\"")),
            "{challenge}"
        ),
        None => assert_eq!(challenge, "Bearer"),
    }
    assert_eq!(
        response.text().await.expect("body"),
        r#"{"message":"Unauthorized"}"#
    );
}

#[tokio::test]
async fn refused_jwts_get_api_gateways_401_before_any_function_runs() {
    // GIVEN the front over template.yaml, with the demo identity provider
    let stack = stack().await;
    let path = "/rooms/LocalRoom01/tokens";
    let claims = |user: &str| {
        let users = stack.idp.users().clone();
        stack
            .idp
            .claims_for(users.find(user).expect("demo user"), now())
    };

    // WHEN a token request comes with no JWT, an expired one, one signed by another key, one
    // for another audience, one from another issuer, and a malformed one
    assert_unauthorized(stack.post(path, None).await, None).await;
    let mut expired = claims("cathy");
    expired["iat"] = json!(now() - 7200);
    expired["exp"] = json!(now() - 3600);
    let expired = stack.idp.sign(&expired).expect("signed");
    assert_unauthorized(
        stack.post(path, Some(&expired)).await,
        Some("the token has expired"),
    )
    .await;
    let forged = keys().1.sign(&claims("cathy")).expect("signed");
    assert_unauthorized(
        stack.post(path, Some(&forged)).await,
        Some("the token's kid is not a key of the issuer"),
    )
    .await;
    let mut other_audience = claims("cathy");
    other_audience["aud"] = json!("some-other-app");
    let other_audience = stack.idp.sign(&other_audience).expect("signed");
    assert_unauthorized(
        stack.post(path, Some(&other_audience)).await,
        Some("the token does not have a valid audience"),
    )
    .await;
    let mut other_issuer = claims("cathy");
    other_issuer["iss"] = json!("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other");
    let other_issuer = stack.idp.sign(&other_issuer).expect("signed");
    assert_unauthorized(
        stack.post(path, Some(&other_issuer)).await,
        Some("the token does not have a valid issuer"),
    )
    .await;
    assert_unauthorized(
        stack.post(path, Some("not-a-jwt")).await,
        Some("the token is not a well-formed JWT"),
    )
    .await;

    // THEN no function ever ran
    assert_eq!(stack.front.invocations(), 0);
    assert!(stack.events.lock().expect("events").is_empty());
}

#[tokio::test]
async fn a_signature_made_with_another_key_under_the_providers_kid_is_refused() {
    // GIVEN a token whose header names the provider's key but which another key signed
    let stack = stack().await;
    let users = stack.idp.users().clone();
    let claims = stack
        .idp
        .claims_for(users.find("cathy").expect("cathy"), now());
    let genuine = stack.idp.sign(&claims).expect("signed");
    let forged = keys().1.sign(&claims).expect("signed");
    let (header, _) = genuine.split_once('.').expect("a JWT");
    let (_, forged_rest) = forged.split_once('.').expect("a JWT");
    let spliced = format!("{header}.{forged_rest}");
    // WHEN it is presented
    let response = stack
        .post("/rooms/LocalRoom01/tokens", Some(&spliced))
        .await;
    // THEN the signature check refuses it
    assert_unauthorized(response, Some("the token's signature is invalid")).await;
    assert_eq!(stack.front.invocations(), 0);
}

#[tokio::test]
async fn a_valid_jwt_reaches_the_function_as_a_payload_v2_event_with_its_claims() {
    // GIVEN a chatter signed in at the identity provider
    let stack = stack().await;
    let jwt = stack.sign_in("cathy").await;
    // WHEN the token route is called with the JWT
    let response = stack
        .post("/rooms/LocalRoom01/tokens?x=1", Some(&jwt))
        .await;
    // THEN the function's answer comes back
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("apigw-requestid"));
    assert_eq!(response.text().await.expect("body"), r#"{"ok":true}"#);
    // AND it received the event API Gateway would have sent
    let events = stack.events.lock().expect("events").clone();
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "POST /rooms/{roomId}/tokens");
    assert_eq!(event["rawPath"], "/rooms/LocalRoom01/tokens");
    assert_eq!(event["rawQueryString"], "x=1");
    assert_eq!(event["pathParameters"]["roomId"], "LocalRoom01");
    assert_eq!(event["body"], "{}");
    let claims = &event["requestContext"]["authorizer"]["jwt"]["claims"];
    assert_eq!(claims["sub"], "demo-cathy");
    assert_eq!(claims["cognito:groups"], "[chatter]");
    assert_eq!(claims["cognito:username"], "cathy");
    assert_eq!(claims["aud"], AUDIENCE);
    assert!(
        claims["exp"].as_str().is_some(),
        "numbers arrive as strings: {claims}"
    );
    assert_eq!(event["headers"]["authorization"], format!("Bearer {jwt}"));
}

#[tokio::test]
async fn the_webhook_route_has_no_authorizer_and_unknown_routes_are_404() {
    // GIVEN the front
    let stack = stack().await;
    // WHEN the signed webhook route is called without any JWT
    let response = stack.post("/webhooks/moderation", None).await;
    // THEN it reaches the function, with no authorizer context
    assert_eq!(response.status(), 200);
    let events = stack.events.lock().expect("events").clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["routeKey"], "POST /webhooks/moderation");
    assert!(events[0]["requestContext"].get("authorizer").is_none());
    // AND a path or method no route declares is API Gateway's 404
    let missing = stack.post("/nowhere", None).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.text().await.expect("body"),
        r#"{"message":"Not Found"}"#
    );
    let wrong_method = stack
        .http
        .get(format!("{}/webhooks/moderation", stack.api))
        .send()
        .await
        .expect("answer");
    assert_eq!(wrong_method.status(), 404);
}

/// A stand-in function that fails (a Lambda function error) on the webhook route and never
/// answers on any other.
async fn failing_function() -> String {
    let app = axum::Router::new().route(
        "/2015-03-31/functions/function/invocations",
        axum::routing::post(|axum::Json(event): axum::Json<Value>| async move {
            if event["rawPath"] != "/webhooks/moderation" {
                std::future::pending::<()>().await;
            }
            axum::Json(json!({"errorType": "Panic", "errorMessage": "boom"}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn a_function_error_is_500_and_a_function_past_its_timeout_is_503() {
    // GIVEN functions that fail or never answer, each with a 1-second timeout
    let stack = stack_with(failing_function().await, Arc::default(), |template| {
        for function in template.functions.values_mut() {
            function.timeout_seconds = 1;
        }
    })
    .await;
    // WHEN the webhook's function fails THEN the caller gets API Gateway's 500
    let failed = stack.post("/webhooks/moderation", None).await;
    assert_eq!(failed.status(), 500);
    assert_eq!(
        failed.text().await.expect("body"),
        r#"{"message":"Internal Server Error"}"#
    );
    // WHEN the token function never answers THEN the caller gets 503 once its timeout passes
    let jwt = stack.sign_in("cathy").await;
    let started = std::time::Instant::now();
    let timed_out = stack.post("/rooms/ManagedRoom1/tokens", Some(&jwt)).await;
    assert_eq!(timed_out.status(), 503);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn cors_comes_from_the_apis_configuration_not_the_function() {
    // GIVEN the front with CorsAllowedOrigins = http://127.0.0.1:4500
    let stack = stack().await;
    // WHEN a browser on that origin sends a preflight
    let preflight = stack
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/rooms/LocalRoom01/tokens", stack.api),
        )
        .header("origin", "http://127.0.0.1:4500")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("answer");
    // THEN the front answers it as API Gateway does, without invoking anything
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "http://127.0.0.1:4500"
    );
    assert_eq!(stack.front.invocations(), 0);
    // AND a response to another origin carries no CORS header, whatever the function sent
    let response = stack
        .http
        .post(format!("{}/webhooks/moderation", stack.api))
        .header("origin", "http://evil.example")
        .send()
        .await
        .expect("answer");
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[tokio::test]
async fn the_identity_provider_serves_discovery_jwks_and_refuses_unknown_users() {
    let stack = stack().await;
    let discovery: Value = stack
        .http
        .get(format!(
            "{}/.well-known/openid-configuration",
            stack.idp.issuer()
        ))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(discovery["issuer"], stack.idp.issuer());
    let jwks: Value = stack
        .http
        .get(discovery["jwks_uri"].as_str().expect("jwks_uri"))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    assert_eq!(jwks["keys"][0]["kid"], keys().0.kid());
    assert!(
        jwks["keys"][0].get("d").is_none(),
        "the JWKS holds the public key only"
    );
    let unknown = stack
        .http
        .post(format!("{}/token", stack.idp.issuer()))
        .json(&json!({"username": "mallory"}))
        .send()
        .await
        .expect("answer");
    assert_eq!(unknown.status(), 400);
    let body: Value = unknown.json().await.expect("JSON");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap_or_default()
            .starts_with("username:")
    );
}

/// A stand-in function that, like one Runtime Interface Emulator process, takes one invocation
/// at a time: a second one arriving while one runs is counted and answered with HTTP 500 (where
/// the RIE would crash). An event whose body says `slow` takes 1.5 s, any other 30 ms.
async fn one_at_a_time_function() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let in_flight = Arc::new(AtomicBool::new(false));
    let overlaps = Arc::new(AtomicUsize::new(0));
    let counted = overlaps.clone();
    let app = axum::Router::new().route(
        "/2015-03-31/functions/function/invocations",
        axum::routing::post(move |axum::Json(event): axum::Json<Value>| {
            let in_flight = in_flight.clone();
            let counted = counted.clone();
            async move {
                if in_flight.swap(true, Ordering::SeqCst) {
                    counted.fetch_add(1, Ordering::SeqCst);
                    return (
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        "overlapping invocation",
                    )
                        .into_response();
                }
                let slow = event["body"].as_str().is_some_and(|b| b.contains("slow"));
                let pause = if slow { 1500 } else { 30 };
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                in_flight.store(false, Ordering::SeqCst);
                axum::Json(json!({"statusCode": 200, "body": "{\"ok\":true}"})).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, overlaps)
}

use axum::response::IntoResponse;

impl Stack {
    async fn webhook(&self, body: &'static str) -> reqwest::StatusCode {
        self.http
            .post(format!("{}/webhooks/moderation", self.api))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the front answers")
            .status()
    }
}

#[tokio::test]
async fn concurrent_requests_take_turns_at_one_function_instance() {
    // GIVEN every function at one instance that takes one invocation at a time (30 ms each)
    let (url, overlaps) = one_at_a_time_function().await;
    let stack = Arc::new(stack_with(url, Arc::default(), |_| {}).await);
    // WHEN ten requests arrive at once
    let requests: Vec<_> = (0..10)
        .map(|_| {
            let stack = stack.clone();
            tokio::spawn(async move { stack.webhook("{}").await })
        })
        .collect();
    // THEN each is answered by the function, in turn, and none overlapped another
    for request in requests {
        assert_eq!(request.await.expect("request task"), 200);
    }
    assert_eq!(overlaps.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(stack.front.invocations(), 10);
}

#[tokio::test]
async fn a_timed_out_invocation_keeps_the_instance_until_the_function_answers() {
    // GIVEN the one-at-a-time instance behind functions with a 1-second timeout
    let (url, overlaps) = one_at_a_time_function().await;
    let stack = stack_with(url, Arc::default(), |template| {
        for function in template.functions.values_mut() {
            function.timeout_seconds = 1;
        }
    })
    .await;
    // WHEN one request's function takes 1.5 s THEN its caller gets 503 after 1 s
    let started = std::time::Instant::now();
    assert_eq!(stack.webhook(r#"{"slow":true}"#).await, 503);
    // AND a request right after waits for that invocation to end instead of overlapping it,
    // then is answered within its own second
    assert_eq!(stack.webhook("{}").await, 200);
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(overlaps.load(std::sync::atomic::Ordering::SeqCst), 0);
}
