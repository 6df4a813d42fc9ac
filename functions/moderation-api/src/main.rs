//! The `moderation-api` Lambda: configuration (with the webhook secret, fetched from Secrets
//! Manager when configured so) and the IVS Chat client are built once per cold start.

use function_startup::ProcessEnv;
use ivschat_api::{ChatClient, ClientSettings};
use lambda_http::Error;
use moderation_api::{ModerationApi, ModerationApiConfig, handle_request};
use toolkit_state::{StateTable, StateTimeouts};

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_startup::init_tracing();
    let aws = function_startup::load_aws_config().await;
    let config =
        function_startup::require_config(ModerationApiConfig::load(&ProcessEnv, &aws).await)?;
    let state = config
        .state_table_name
        .clone()
        .map(|name| StateTable::from_sdk_config(&aws, name, StateTimeouts::REQUEST_PATH));
    let mut api = ModerationApi::new(
        config,
        ChatClient::from_sdk_config(&aws, ClientSettings::request_path()),
    );
    if let Some(state) = state {
        api = api.with_state_table(state);
    }
    let api = function_startup::leak_for_process(api);
    http_api::serve(http_api::handler(move |request| async move {
        let Ok(response) = handle_request(api, request).await;
        response
    }))
    .await
}
