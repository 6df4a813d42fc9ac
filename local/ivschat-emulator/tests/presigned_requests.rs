//! Presigned requests in strict mode: URLs made by this project's `ChatClient::presign` and by
//! boto3's `generate_presigned_url` are accepted; expired, altered and wrongly signed ones are
//! refused as AWS refuses them.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use ivschat_api::{ChatClient, ClientSettings, PresignedRequest};
use ivschat_emulator::RunningEmulator;
use serde_json::{Value, json};

use common::{STRICT_KEY as KEY, STRICT_SECRET as SECRET, start_strict as strict};

fn client(emulator: &RunningEmulator, secret: &str) -> ChatClient {
    ChatClient::for_endpoint(
        emulator.url(),
        "us-east-1",
        KEY,
        secret,
        ClientSettings::default(),
    )
}

/// Sends `request` exactly as presigned: no Authorization header, only the URL's signature.
async fn send(request: &PresignedRequest) -> (u16, Value, String) {
    let http = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).expect("method");
    let mut builder = http
        .request(method, &request.url)
        .body(request.body.clone());
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let response = builder.send().await.expect("sent");
    let status = response.status().as_u16();
    let error_type = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        error_type,
    )
}

#[tokio::test]
async fn our_presigned_requests_are_accepted_for_body_path_and_query_bindings() {
    // GIVEN a strict emulator and a client holding the right secret
    let emulator = strict().await;
    let client = client(&emulator, SECRET);
    // WHEN CreateRoom (a JSON body) is presigned and sent by someone without credentials
    let create = client
        .presign(
            "CreateRoom",
            &json!({"name": "presigned", "tags": {"team": "video"}}),
            Duration::from_secs(300),
        )
        .await
        .expect("presigned");
    let (status, room, error) = send(&create).await;
    // THEN the room is created
    assert_eq!(status, 200, "{error} {room}");
    assert_eq!(room["name"], "presigned");
    let arn = room["arn"].as_str().expect("arn").to_owned();
    // WHEN UntagResource (ARN in the path, keys in the query) and ListTagsForResource (GET)
    // are presigned and sent
    let untag = client
        .presign(
            "UntagResource",
            &json!({"resourceArn": arn, "tagKeys": ["team"]}),
            Duration::from_secs(300),
        )
        .await
        .expect("presigned");
    let (status, _, error) = send(&untag).await;
    assert_eq!(status, 200, "{error}");
    let list = client
        .presign(
            "ListTagsForResource",
            &json!({"resourceArn": arn}),
            Duration::from_secs(300),
        )
        .await
        .expect("presigned");
    let (status, tags, error) = send(&list).await;
    // THEN both verify and the tag is gone
    assert_eq!(status, 200, "{error}");
    assert_eq!(tags["tags"], json!({}));
}

#[tokio::test]
async fn an_expired_presigned_request_is_refused() {
    // GIVEN a request presigned for one second
    let emulator = strict().await;
    let presigned = client(&emulator, SECRET)
        .presign("ListRooms", &json!({}), Duration::from_secs(1))
        .await
        .expect("presigned");
    // WHEN it is sent after it expired
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let (status, body, error) = send(&presigned).await;
    // THEN it is refused as an expired signature
    assert_eq!(status, 403, "{body}");
    assert_eq!(error, "InvalidSignatureException");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("expired")),
        "{body}"
    );
    assert!(emulator.rooms().is_empty());
}

#[tokio::test]
async fn an_altered_presigned_request_is_refused() {
    let emulator = strict().await;
    let presigned = client(&emulator, SECRET)
        .presign(
            "CreateRoom",
            &json!({"name": "asked"}),
            Duration::from_secs(300),
        )
        .await
        .expect("presigned");
    // WHEN the body is swapped for another request
    let mut other_body = presigned.clone();
    other_body.body = json!({"name": "swapped"}).to_string();
    // WHEN the URL is lengthened past what was signed
    let mut longer = presigned.clone();
    longer.url = longer
        .url
        .replace("X-Amz-Expires=300", "X-Amz-Expires=604800");
    // WHEN it is sent to another operation
    let mut other_operation = presigned.clone();
    other_operation.url = other_operation.url.replace("/CreateRoom?", "/ListRooms?");
    // THEN each is refused and nothing is created
    for altered in [other_body, longer, other_operation] {
        let (status, body, error) = send(&altered).await;
        assert_eq!(status, 403, "{altered:?}: {body}");
        assert_eq!(error, "InvalidSignatureException", "{body}");
    }
    assert!(emulator.rooms().is_empty());
}

#[tokio::test]
async fn a_request_presigned_with_the_wrong_secret_is_refused() {
    let emulator = strict().await;
    let presigned = client(&emulator, "not-the-secret")
        .presign("ListRooms", &json!({}), Duration::from_secs(300))
        .await
        .expect("presigned");
    let (status, _, error) = send(&presigned).await;
    assert_eq!(status, 403);
    assert_eq!(error, "InvalidSignatureException");
}

/// The Python of the pinned tools (boto3 comes with aws-sam-cli in `.venv`).
fn venv_python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/test-all (scripts/tools.sh installs boto3 with aws-sam-cli)",
        python.display()
    );
    python
}

/// A URL boto3 presigns for `operation` with `params` against `emulator`.
fn boto3_presigned_url(emulator: &RunningEmulator, operation: &str, params: &Value) -> String {
    let script = r#"
import json, sys
import boto3
client = boto3.client(
    "ivschat", region_name="us-east-1", endpoint_url=sys.argv[1],
    aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
print(client.generate_presigned_url(sys.argv[4], Params=json.loads(sys.argv[5]), ExpiresIn=300))
"#;
    let output = std::process::Command::new(venv_python())
        .args([
            "-c",
            script,
            emulator.url(),
            KEY,
            SECRET,
            operation,
            &params.to_string(),
        ])
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "boto3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

#[tokio::test]
async fn boto3_presigned_urls_are_accepted_and_their_tampered_copies_refused() {
    // GIVEN a strict emulator with one room, and URLs boto3 presigned for ListRooms (POST) and
    // ListTagsForResource (GET, ARN in the path)
    let emulator = strict().await;
    let room = client(&emulator, SECRET)
        .create_room(&ivschat_api::model::CreateRoomRequest::default())
        .await
        .expect("room");
    let list_rooms = boto3_presigned_url(&emulator, "list_rooms", &json!({}));
    let list_tags = boto3_presigned_url(
        &emulator,
        "list_tags_for_resource",
        &json!({"resourceArn": room.arn.as_str()}),
    );
    // WHEN each is sent as boto3 users send it (body parameters are in the URL; the signed
    // content type goes with it)
    let boto3_request = |method: &'static str, url: String| PresignedRequest {
        method,
        url,
        headers: vec![("content-type".into(), "application/json".into())],
        body: String::new(),
        expires_at: std::time::SystemTime::now() + Duration::from_secs(300),
    };
    let (status, rooms, error) = send(&boto3_request("POST", list_rooms.clone())).await;
    // THEN both are accepted
    assert_eq!(status, 200, "{error} {rooms}");
    assert_eq!(rooms["rooms"].as_array().map(Vec::len), Some(1), "{rooms}");
    let (status, tags, error) = send(&boto3_request("GET", list_tags)).await;
    assert_eq!(status, 200, "{error} {tags}");
    // WHEN a signed value of the URL is changed THEN it is refused
    let tampered = list_rooms.replace("X-Amz-Expires=300", "X-Amz-Expires=301");
    let (status, _, error) = send(&boto3_request("POST", tampered)).await;
    assert_eq!(status, 403);
    assert_eq!(error, "InvalidSignatureException");
}
