//! Strict mode's checks on the signed request itself, each alone: the clock skew AWS allows
//! (15 minutes either way), the credential scope's date against `X-Amz-Date`, and a declared
//! payload hash against the body. Requests are signed with AWS's own signer, then altered.

mod common;

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use ivschat_emulator::RunningEmulator;

use common::{STRICT_KEY as KEY, STRICT_SECRET as SECRET, start_strict as strict};

/// `POST /ListRooms` with `body`, signed in its headers at `signed_at`, with the payload hash
/// in `x-amz-content-sha256` as the SDK sends it.
fn signed_list_rooms(
    emulator: &RunningEmulator,
    body: &str,
    signed_at: SystemTime,
) -> http::Request<String> {
    let url = format!("{}/ListRooms", emulator.url());
    let identity: Identity = Credentials::new(KEY, SECRET, None, None, "test").into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("ivschat")
        .time(signed_at)
        .settings(settings)
        .build()
        .expect("signing params")
        .into();
    let headers = [("content-type", "application/json")];
    let signable = SignableRequest::new(
        "POST",
        url.as_str(),
        headers.into_iter(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("signed").into_parts();
    let mut request = http::Request::builder()
        .method("POST")
        .uri(url.as_str())
        .header("content-type", "application/json")
        .body(body.to_owned())
        .expect("request");
    instructions.apply_to_request_http1x(&mut request);
    request
}

/// Sends `request`; the status and `X-Amzn-ErrorType` and message of the answer.
async fn send(request: http::Request<String>) -> (u16, String, String) {
    let (parts, body) = request.into_parts();
    let mut builder = reqwest::Client::new()
        .post(parts.uri.to_string())
        .body(body);
    for (name, value) in &parts.headers {
        builder = builder.header(name.as_str(), value.as_bytes());
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
    (status, error_type, text)
}

#[tokio::test]
async fn a_correctly_signed_request_is_accepted() {
    // GIVEN a request signed now WHEN sent THEN it verifies (the baseline for the cases below)
    let emulator = strict().await;
    let (status, error, body) = send(signed_list_rooms(&emulator, "{}", SystemTime::now())).await;
    assert_eq!(status, 200, "{error} {body}");
}

#[tokio::test]
async fn a_request_signed_more_than_15_minutes_away_is_refused_as_expired() {
    let emulator = strict().await;
    // GIVEN requests signed 14 minutes ago, 16 minutes ago and 16 minutes in the future
    let now = SystemTime::now();
    let within = now - Duration::from_secs(14 * 60);
    let before = now - Duration::from_secs(16 * 60);
    let after = now + Duration::from_secs(16 * 60);
    // WHEN sent THEN only the one within the allowed skew verifies
    let (status, error, body) = send(signed_list_rooms(&emulator, "{}", within)).await;
    assert_eq!(status, 200, "{error} {body}");
    for signed_at in [before, after] {
        let (status, error, body) = send(signed_list_rooms(&emulator, "{}", signed_at)).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(error, "InvalidSignatureException");
        assert!(body.contains("Signature expired"), "{body}");
    }
}

#[tokio::test]
async fn a_credential_scope_dated_another_day_than_x_amz_date_is_refused() {
    let emulator = strict().await;
    // GIVEN a signed request whose credential scope names another day than its X-Amz-Date
    let mut request = signed_list_rooms(&emulator, "{}", SystemTime::now());
    let authorization = request.headers()["authorization"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let scope_date = authorization
        .split("Credential=")
        .nth(1)
        .and_then(|c| c.split('/').nth(1))
        .expect("scope date")
        .to_owned();
    let altered = authorization.replace(&format!("/{scope_date}/"), "/20200101/");
    request
        .headers_mut()
        .insert("authorization", altered.parse().expect("header"));
    // WHEN sent THEN the mismatch is named
    let (status, error, body) = send(request).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(error, "InvalidSignatureException");
    assert!(
        body.contains("Credential date 20200101 does not match X-Amz-Date"),
        "{body}"
    );
}

#[tokio::test]
async fn a_declared_payload_hash_that_does_not_match_the_body_is_refused() {
    let emulator = strict().await;
    // GIVEN a request signed for one body and sent with another, its declared hash unchanged
    let mut request = signed_list_rooms(&emulator, "{}", SystemTime::now());
    *request.body_mut() = r#"{"maxResults":1}"#.to_owned();
    // WHEN sent THEN the body is refused before any signature work
    let (status, error, body) = send(request).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(error, "InvalidSignatureException");
    assert!(
        body.contains("x-amz-content-sha256 header does not match the request body"),
        "{body}"
    );
}
