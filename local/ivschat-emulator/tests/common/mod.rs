//! Helpers shared by the integration tests: an emulator on a free loopback port and SDK
//! clients pointed at it.
#![allow(dead_code)]

use aws_sdk_ivschat::Client;
use aws_sdk_ivschat::config::retry::RetryConfig;
use aws_sdk_ivschat::config::{BehaviorVersion, Credentials, Region};
use ivschat_emulator::{Emulator, EmulatorBuilder, RunningEmulator};

/// Starts an emulator with the defaults.
pub async fn start() -> RunningEmulator {
    start_with(Emulator::builder()).await
}

/// The access key a strict-mode emulator from [`start_strict`] accepts.
pub const STRICT_KEY: &str = "AKIDEXAMPLE";
/// Its secret (with characters that need care when signing).
pub const STRICT_SECRET: &str = "s3cr3t/with+chars";

/// Starts an emulator that verifies SigV4 signatures against [`STRICT_KEY`] / [`STRICT_SECRET`].
pub async fn start_strict() -> RunningEmulator {
    start_with(
        Emulator::builder()
            .strict_auth(true)
            .credentials(STRICT_KEY, STRICT_SECRET),
    )
    .await
}

/// Starts an emulator from `builder`.
pub async fn start_with(builder: EmulatorBuilder) -> RunningEmulator {
    builder.start().await.expect("emulator starts")
}

/// An SDK config for `url` with static test credentials.
pub fn sdk_config(url: &str) -> aws_sdk_ivschat::config::Builder {
    aws_sdk_ivschat::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(ivschat_api::https_client())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "static"))
        .endpoint_url(url)
}

/// The real SDK client, retries disabled so every error surfaces.
pub fn client(emulator: &RunningEmulator) -> Client {
    Client::from_conf(
        sdk_config(emulator.url())
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

/// The real SDK client with its standard retry policy.
pub fn retrying_client(emulator: &RunningEmulator) -> Client {
    Client::from_conf(
        sdk_config(emulator.url())
            .retry_config(RetryConfig::standard().with_max_attempts(4))
            .build(),
    )
}

/// A client signing with another secret for the same access key.
pub fn client_with_secret(emulator: &RunningEmulator, key: &str, secret: &str) -> Client {
    Client::from_conf(
        sdk_config(emulator.url())
            .credentials_provider(Credentials::new(key, secret, None, None, "static"))
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

/// Creates a room and returns its ARN.
pub async fn create_room(client: &Client, name: &str) -> String {
    client
        .create_room()
        .name(name)
        .send()
        .await
        .expect("CreateRoom succeeds")
        .arn()
        .expect("room has an ARN")
        .to_owned()
}

/// Creates an S3-logging configuration and returns its ARN.
pub async fn create_logging_configuration(client: &Client, bucket: &str) -> String {
    use aws_sdk_ivschat::types::{DestinationConfiguration, S3DestinationConfiguration};
    client
        .create_logging_configuration()
        .destination_configuration(DestinationConfiguration::S3(
            S3DestinationConfiguration::builder()
                .bucket_name(bucket)
                .build()
                .expect("bucket set"),
        ))
        .send()
        .await
        .expect("CreateLoggingConfiguration succeeds")
        .arn()
        .expect("configuration has an ARN")
        .to_owned()
}

/// A syntactically valid Authorization header for raw HTTP tests (the emulator only checks the
/// signature in strict mode).
pub const FAKE_AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ivschat/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";

/// True when `s` is exactly 12 ASCII letters or digits.
pub fn is_twelve_alphanumerics(s: &str) -> bool {
    s.len() == 12 && s.chars().all(|c| c.is_ascii_alphanumeric())
}
