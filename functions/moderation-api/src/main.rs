//! The `moderation-api` Lambda: configuration (with the webhook secret, fetched from Secrets
//! Manager when configured so) and the IVS Chat client are built once per cold start.

use function_startup::ProcessEnv;
use ivschat_api::{ChatClient, ClientSettings};
use lambda_http::{Error, run, service_fn};
use moderation_api::{ModerationApi, ModerationApiConfig, handle_request};

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_startup::init_tracing();
    let aws = function_startup::load_aws_config().await;
    let config =
        function_startup::require_config(ModerationApiConfig::load(&ProcessEnv, &aws).await)?;
    let api = ModerationApi::new(
        config,
        ChatClient::from_sdk_config(&aws, ClientSettings::default()),
    );
    let api = &api;
    run(service_fn(move |request| handle_request(api, request))).await
}
