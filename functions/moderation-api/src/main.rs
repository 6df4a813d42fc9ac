//! The `moderation-api` Lambda: configuration and the IVS Chat client are built once per cold
//! start.

use ivschat_api::{ChatClient, ClientSettings};
use lambda_http::{Error, run, service_fn, tracing};
use moderation_api::{ModerationApi, ModerationApiConfig, handle_request};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = ModerationApiConfig::from_env().inspect_err(|error| {
        tracing::error!(%error, "invalid configuration; the function cannot start");
    })?;
    let client = ChatClient::from_env(ClientSettings::default()).await;
    let api = ModerationApi::new(config, client);
    let api = &api;
    run(service_fn(move |request| handle_request(api, request))).await
}
