//! The webhook secret fetched from Secrets Manager by the real SDK, over HTTP, from a loopback
//! stand-in that speaks Secrets Manager's awsJson1.1 protocol.

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use moderation_api::secret::{WebhookSecretError, fetch_webhook_secret};
use serde_json::json;
use toolkit_test_support::secrets_manager_stand_in;

fn client(url: &str) -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(ivschat_api::https_client())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "static"))
            .endpoint_url(url)
            .build(),
    )
}

const KEY: &str = "a-webhook-signing-secret-of-more-than-32-bytes";

async fn stand_in() -> String {
    secrets_manager_stand_in(BTreeMap::from([
        ("hook".to_string(), json!({"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:hook-AbCdEf", "Name": "hook", "SecretString": KEY})),
        ("short".to_string(), json!({"Name": "short", "SecretString": "tiny"})),
        ("binary".to_string(), json!({"Name": "binary", "SecretBinary": "AAEC"})),
    ]))
    .await
}

#[tokio::test]
async fn fetches_the_secret_string_and_signs_with_it() {
    // GIVEN a secret holding the signing key
    let url = stand_in().await;
    // WHEN the cold start fetches it
    let secret = fetch_webhook_secret(&client(&url), "hook")
        .await
        .expect("fetched");
    // THEN it verifies what the key signs, and nothing signed with another key
    let other = http_api::WebhookSecret::new("other", b"another-secret-of-at-least-32-bytes!")
        .expect("key");
    let body = br#"{"action":"send_event"}"#;
    let now = 1_767_225_600;
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(now);
    let nonce = "secret-test-nonce-0001";
    let headers = |signer: &http_api::WebhookSecret| {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "x-signature-timestamp",
            now.to_string().parse().expect("header"),
        );
        headers.insert("x-signature-nonce", nonce.parse().expect("header"));
        headers.insert(
            "x-signature",
            signer
                .sign_v2("POST", "/webhooks/moderation", now, nonce, body)
                .parse()
                .expect("header"),
        );
        headers
    };
    let verify = |headers: &http::HeaderMap| {
        let request = http_api::WebhookRequest {
            method: "POST",
            path: "/webhooks/moderation",
            headers,
            body,
        };
        secret.verify(&request, at, http_api::LegacySignatures::Refuse)
    };
    let expected = http_api::WebhookSecret::new("expected", KEY.as_bytes()).expect("key");
    assert!(verify(&headers(&expected)).is_ok());
    assert!(verify(&headers(&other)).is_err());
}

#[tokio::test]
async fn a_missing_binary_or_short_secret_fails_the_cold_start_without_showing_the_value() {
    let url = stand_in().await;
    let client = client(&url);
    let missing = fetch_webhook_secret(&client, "nope")
        .await
        .expect_err("missing");
    assert!(
        matches!(missing, WebhookSecretError::Fetch { .. }),
        "{missing:?}"
    );
    assert!(
        missing.to_string().contains("ResourceNotFoundException"),
        "{missing}"
    );
    let binary = fetch_webhook_secret(&client, "binary")
        .await
        .expect_err("binary");
    assert!(
        matches!(binary, WebhookSecretError::NotAString { .. }),
        "{binary:?}"
    );
    let short = fetch_webhook_secret(&client, "short")
        .await
        .expect_err("short");
    assert!(short.to_string().contains("at least 32 bytes"), "{short}");
    assert!(
        !short.to_string().contains("tiny"),
        "the value never shows: {short}"
    );
}
