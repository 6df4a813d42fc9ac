//! The `moderation-api` Lambda: configuration, the webhook secret and the IVS Chat client are
//! loaded once per cold start.

use ivschat_api::{ChatClient, ClientSettings};
use lambda_http::{Error, run, service_fn, tracing};
use moderation_api::secret::fetch_webhook_secret;
use moderation_api::{ModerationApi, ModerationApiConfig, handle_request};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let mut config = ModerationApiConfig::from_env().inspect_err(|error| {
        tracing::error!(%error, "invalid configuration; the function cannot start");
    })?;
    if let Some(secret_id) = &config.webhook_secret_arn {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::v2026_01_12()).await;
        let secrets = aws_sdk_secretsmanager::Client::new(&aws);
        let secret = fetch_webhook_secret(&secrets, secret_id)
            .await
            .inspect_err(|error| tracing::error!(%error, "the function cannot start"))?;
        config.webhook_secret = Some(secret);
    }
    let client = ChatClient::from_env(ClientSettings::default()).await;
    let api = ModerationApi::new(config, client);
    let api = &api;
    run(service_fn(move |request| handle_request(api, request))).await
}
