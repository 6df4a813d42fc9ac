//! The HTTP client and the AWS configuration every SDK client of the toolkit is built from.
//!
//! The SDK crates are compiled without their default HTTP client (see the workspace
//! `Cargo.toml`), so a client built from a configuration that did not come through here has no
//! way to send a request. [`load_sdk_config`] is the one place a function loads its AWS
//! configuration; [`https_client`] is for configurations built by hand (the emulator's tests, a
//! client for an explicit endpoint).

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// The SDK behaviour version the toolkit was written and tested against; pinned so that an SDK
/// upgrade cannot silently change retry or timeout defaults.
pub(crate) fn behavior_version() -> BehaviorVersion {
    BehaviorVersion::v2026_01_12()
}

/// HTTPS (and plain HTTP, for local endpoints such as the emulator) through hyper and rustls
/// with the *ring* cryptography provider, trusting the system's root certificates (Lambda's
/// runtime images ship them). Connections are pooled per client; build one per cold start and
/// share it.
pub fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The AWS configuration from the standard chain (region, credentials, `AWS_ENDPOINT_URL_*`
/// endpoints and profile settings) with [`https_client`] as its HTTP client. Load it once per
/// cold start and build every client from it.
pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(behavior_version())
        .http_client(https_client())
        .load()
        .await
}

#[cfg(all(test, feature = "client"))]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;

    /// A client built from the loaded configuration really sends requests: one GetRoom to a
    /// loopback listener that answers 404 arrives there, over plain HTTP.
    #[tokio::test]
    async fn a_client_from_the_loaded_configuration_reaches_its_endpoint() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut request = vec![0_u8; 4096];
            let read = socket.read(&mut request).await.expect("read");
            let body = br#"{"message":"no such room"}"#;
            let response = format!(
                "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\nx-amzn-errortype: ResourceNotFoundException\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            socket.write_all(response.as_bytes()).await.expect("write");
            socket.write_all(body).await.expect("write body");
            String::from_utf8_lossy(&request[..read]).into_owned()
        });
        let loaded = aws_config::defaults(behavior_version())
            .http_client(https_client())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
            .endpoint_url(format!("http://{address}"))
            .load()
            .await;
        let client = aws_sdk_ivschat::Client::new(&loaded);
        let error = client
            .get_room()
            .identifier("missing")
            .send()
            .await
            .expect_err("the listener answers 404");
        let request = server.await.expect("server task");
        assert!(request.starts_with("POST /GetRoom "), "{request}");
        assert!(
            error
                .as_service_error()
                .is_some_and(|service| service.is_resource_not_found_exception()),
            "{error:?}"
        );
    }
}
