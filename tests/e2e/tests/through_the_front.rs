//! The HTTP APIs as a front end calls them: over HTTP through the local front (routes, JWT
//! authorizer and payload v2 read from `template.yaml`), with JWTs from the demo identity
//! provider, reaching the token and moderation APIs `sam build` built, running under the Lambda
//! Runtime Interface Emulator with the environment the template gives them, talking to the
//! IVS Chat emulator; chat clients join its messaging WebSocket with the tokens they mint.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use e2e::{LambdaUnderRie, workspace_root};
use futures::{SinkExt, StreamExt};
use ivschat_api::managed::{DEPLOYMENT_TAG, RESOURCE_KEY_TAG};
use ivschat_emulator::{Emulator, JournalAction, RunningEmulator};
use local_front::{
    DemoUsers, Front, FrontConfig, IdentityProvider, SigningKey, StackSettings, Template,
};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const AUDIENCE: &str = "ivschat-local";
const ROOM: &str = "LocalLobby01";
const WEBHOOK_SECRET: &str = "e2e-front-webhook-secret-of-at-least-32-bytes";
const WEBHOOK_SECRET_ARN: &str =
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:e2e-front-hook-AbCdEf";

fn signing_key() -> SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate().expect("an RSA key"))
        .clone()
}

/// The whole path of a front-end request, on loopback.
struct Stack {
    api: String,
    idp: Arc<IdentityProvider>,
    front: Arc<Front>,
    emulator: RunningEmulator,
    http: reqwest::Client,
    _functions: Vec<LambdaUnderRie>,
}

async fn stack() -> Stack {
    // The identity provider, on a port of its own (its URL is the template's JwtIssuer).
    let idp_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let idp_url = format!("http://{}", idp_listener.local_addr().expect("address"));
    let users = DemoUsers::load(&workspace_root().join("local/demo-users.toml")).expect("users");
    let idp = Arc::new(IdentityProvider::new(
        &idp_url,
        AUDIENCE,
        signing_key(),
        users,
    ));
    tokio::spawn(idp.clone().serve(idp_listener, std::future::pending()));

    // The template, resolved for this stack.
    let settings = StackSettings {
        parameters: [
            ("JwtIssuer", idp_url.as_str()),
            ("JwtAudience", AUDIENCE),
            ("WebhookSecretArn", WEBHOOK_SECRET_ARN),
            ("DisplayNameClaim", "cognito:username"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect(),
        ..StackSettings::default()
    };
    let template =
        Template::load(&workspace_root().join("template.yaml"), &settings).expect("template");
    let deployment = template.parameters["DeploymentName"].clone();

    // The emulator, with one room of this deployment.
    let emulator = Emulator::builder().start().await.expect("emulator starts");
    emulator
        .create_room_with_id(
            ROOM,
            "lobby",
            BTreeMap::from([
                (DEPLOYMENT_TAG.to_owned(), deployment),
                (RESOURCE_KEY_TAG.to_owned(), "lobby".to_owned()),
            ]),
        )
        .expect("room");

    // The token and moderation APIs, as sam build built them, with the template's environment.
    let secrets = toolkit_test_support::secrets_manager_stand_in(BTreeMap::from([(
        WEBHOOK_SECRET_ARN.to_owned(),
        json!({"Name": "e2e-front-hook", "SecretString": WEBHOOK_SECRET}),
    )]))
    .await;
    let dynamodb = toolkit_test_support::dynamodb_url();
    let table = toolkit_test_support::state_table().await;
    let mut functions = Vec::new();
    let mut endpoints = BTreeMap::new();
    for logical_id in ["TokenApiFunction", "ModerationApiFunction"] {
        let spec = template.function(logical_id).expect("in the template");
        let mut env: Vec<(String, String)> = spec
            .environment
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        env.retain(|(k, _)| k != "STATE_TABLE_NAME");
        env.extend([
            ("STATE_TABLE_NAME".to_owned(), table.name().to_owned()),
            (
                "AWS_ENDPOINT_URL_IVSCHAT".to_owned(),
                emulator.url().to_owned(),
            ),
            (
                "AWS_ENDPOINT_URL_SECRETS_MANAGER".to_owned(),
                secrets.clone(),
            ),
            ("AWS_ENDPOINT_URL_DYNAMODB".to_owned(), dynamodb.clone()),
        ]);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let lambda = LambdaUnderRie::start(logical_id, &env)
            .await
            .unwrap_or_else(|e| panic!("{logical_id} starts: {e}"));
        endpoints.insert(logical_id.to_owned(), lambda.invoke_url().to_owned());
        functions.push(lambda);
    }
    // Routes of functions this suite does not run answer 500 if ever called.
    for route in &template.routes {
        endpoints
            .entry(route.function.clone())
            .or_insert_with(|| "http://127.0.0.1:9".to_owned());
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let front = Arc::new(
        Front::new(FrontConfig {
            template,
            functions: endpoints,
            account_id: "123456789012".into(),
            port: address.port(),
            emulator_url: Some(emulator.url().to_owned()),
            messaging_url: Some(emulator.messaging_url().to_owned()),
            idp_url: Some(idp_url),
            log_requests: true,
        })
        .expect("front"),
    );
    tokio::spawn(front.clone().serve(listener, std::future::pending()));
    Stack {
        api: format!("http://{address}"),
        idp,
        front,
        emulator,
        http: reqwest::Client::new(),
        _functions: functions,
    }
}

impl Stack {
    async fn sign_in(&self, username: &str) -> String {
        let body: Value = self
            .http
            .post(format!("{}/token", self.idp.issuer()))
            .json(&json!({"username": username}))
            .send()
            .await
            .expect("the identity provider answers")
            .json()
            .await
            .expect("JSON");
        body["id_token"].as_str().expect("an ID token").to_owned()
    }

    async fn post(&self, path: &str, jwt: Option<&str>, body: Value) -> (u16, Value) {
        let mut request = self.http.post(format!("{}{path}", self.api)).json(&body);
        if let Some(jwt) = jwt {
            request = request.header("authorization", format!("Bearer {jwt}"));
        }
        let response = request
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .expect("the front answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn chat_token(&self, username: &str) -> String {
        let jwt = self.sign_in(username).await;
        let (status, body) = self
            .post(&format!("/rooms/{ROOM}/tokens"), Some(&jwt), json!({}))
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("a chat token").to_owned()
    }

    async fn join(&self, username: &str) -> Socket {
        let token = self.chat_token(username).await;
        let mut request = self
            .emulator
            .messaging_url()
            .into_client_request()
            .expect("messaging URL");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(&token).expect("token header"),
        );
        tokio_tungstenite::connect_async(request)
            .await
            .expect("the chat token connects")
            .0
    }
}

async fn next_frame(socket: &mut Socket) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(15), socket.next())
            .await
            .expect("a frame arrives")
        {
            Some(Ok(Message::Text(text))) => {
                return serde_json::from_str(text.as_str()).expect("JSON frame");
            }
            Some(Ok(_)) => {}
            other => panic!("expected a frame, got {other:?}"),
        }
    }
}

async fn say(socket: &mut Socket, content: &str) {
    socket
        .send(Message::text(
            json!({"Action": "SEND_MESSAGE", "Content": content, "RequestId": "r1"}).to_string(),
        ))
        .await
        .expect("sent");
}

#[tokio::test]
async fn a_chatters_jwt_mints_a_chat_token_that_joins_the_room() {
    // GIVEN the stack, and a chatter signed in at the identity provider
    let stack = stack().await;
    // WHEN the chatter asks the token API for a token through the front and joins with it
    let mut socket = stack.join("cathy").await;
    say(&mut socket, "hello from the front").await;
    // THEN the message arrives, sent by the JWT's subject with the server-set attributes
    let frame = next_frame(&mut socket).await;
    assert_eq!(frame["Type"], "MESSAGE", "{frame}");
    assert_eq!(frame["Content"], "hello from the front");
    assert_eq!(frame["Sender"]["UserId"], "demo-cathy");
    assert_eq!(frame["Sender"]["Attributes"]["role"], "chatter");
    assert_eq!(frame["Sender"]["Attributes"]["displayName"], "cathy");
}

#[tokio::test]
async fn the_token_api_is_never_invoked_without_a_valid_jwt() {
    // GIVEN the stack
    let stack = stack().await;
    // WHEN a token is asked for without a JWT, and with an expired one
    let (status, body) = stack
        .post(&format!("/rooms/{ROOM}/tokens"), None, json!({}))
        .await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"message": "Unauthorized"}));
    let users = stack.idp.users().clone();
    let mut claims = stack.idp.claims_for(
        users.find("cathy").expect("cathy"),
        jsonwebtoken_now() - 7200,
    );
    claims["exp"] = json!(jsonwebtoken_now() - 3600);
    let expired = stack.idp.sign(&claims).expect("signed");
    let (status, _) = stack
        .post(&format!("/rooms/{ROOM}/tokens"), Some(&expired), json!({}))
        .await;
    // THEN both are 401 and no function ran
    assert_eq!(status, 401);
    assert_eq!(stack.front.invocations(), 0);
}

fn jsonwebtoken_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[tokio::test]
async fn a_moderators_delete_through_the_moderation_api_reaches_both_clients() {
    // GIVEN two chatters in the room, one of whom has sent a message both received
    let stack = stack().await;
    let mut cathy = stack.join("cathy").await;
    let mut chris = stack.join("chris").await;
    say(&mut cathy, "a message to delete").await;
    let sent = next_frame(&mut cathy).await;
    let seen = next_frame(&mut chris).await;
    assert_eq!(sent["Id"], seen["Id"]);
    let message_id = sent["Id"].as_str().expect("message id").to_owned();

    // WHEN a chatter tries to delete it, and then a moderator does, through the moderation API
    let chatter = stack.sign_in("chris").await;
    let (status, body) = stack
        .post(
            &format!("/rooms/{ROOM}/messages/{message_id}/delete"),
            Some(&chatter),
            json!({"reason": "mine now"}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let moderator = stack.sign_in("mona").await;
    let (status, body) = stack
        .post(
            &format!("/rooms/{ROOM}/messages/{message_id}/delete"),
            Some(&moderator),
            json!({"reason": "off topic"}),
        )
        .await;

    // THEN it succeeds and both clients see the message removed
    assert_eq!(status, 200, "{body}");
    for socket in [&mut cathy, &mut chris] {
        let event = next_frame(socket).await;
        assert_eq!(event["Type"], "EVENT", "{event}");
        assert_eq!(event["EventName"], "aws:DELETE_MESSAGE");
        assert_eq!(event["Attributes"]["MessageID"], message_id.as_str());
        assert_eq!(event["Attributes"]["Reason"], "off topic");
    }
}

#[tokio::test]
async fn the_signed_webhook_works_without_a_jwt() {
    // GIVEN the stack, and a webhook call signed with the secret the template's
    // WebhookSecretArn names
    let stack = stack().await;
    let body = json!({"action": "send_event", "roomId": ROOM, "eventName": "app:poll", "attributes": {"q": "1"}})
        .to_string();
    let now = jsonwebtoken_now();
    let nonce = "e2e-front-webhook-0001";
    let signer = http_api::WebhookSecret::new("hook", WEBHOOK_SECRET.as_bytes()).expect("key");
    let signature = signer.sign_v2("POST", "/webhooks/moderation", now, nonce, body.as_bytes());
    // WHEN it is sent to the front with no Authorization header
    let response = stack
        .http
        .post(format!("{}/webhooks/moderation", stack.api))
        .header("content-type", "application/json")
        .header("x-signature-timestamp", now.to_string())
        .header("x-signature-nonce", nonce)
        .header("x-signature", signature)
        .body(body)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .expect("the front answers");
    // THEN the moderation API acts on it
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    assert_eq!(status, 200, "{text}");
    let journal = stack.emulator.journal();
    assert!(
        journal
            .iter()
            .any(|e| e.action == JournalAction::SendEvent
                && e.event_name.as_deref() == Some("app:poll")),
        "{journal:?}"
    );
}

#[test]
fn the_demo_users_cover_every_role_the_template_maps() {
    let users =
        DemoUsers::load(Path::new(&workspace_root().join("local/demo-users.toml"))).expect("users");
    for role in ["viewer", "chatter", "moderator", "admin"] {
        assert!(
            users
                .users
                .iter()
                .any(|u| u.groups.iter().any(|g| g == role))
        );
    }
}
