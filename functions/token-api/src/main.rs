//! The `token-api` Lambda: configuration, the IVS Chat client and the ban list (the state
//! table, when `STATE_TABLE_NAME` names one) are built once per cold start.

use ivschat_api::{ChatClient, ClientSettings};
use lambda_http::Error;
use token_api::{TokenApi, TokenApiConfig, handle_request};
use toolkit_state::{StateTable, StateTimeouts};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (config, aws) = function_startup::start(TokenApiConfig::from_env).await?;
    let bans = config
        .state_table_name
        .clone()
        .map(|name| StateTable::from_sdk_config(&aws, name, StateTimeouts::REQUEST_PATH));
    let mut api = TokenApi::new(
        config,
        ChatClient::from_sdk_config(&aws, ClientSettings::request_path()),
    );
    if let Some(bans) = bans {
        api = api.with_ban_list(bans);
    }
    let api = function_startup::leak_for_process(api);
    http_api::serve(http_api::handler(move |request| async move {
        let Ok(response) = handle_request(api, request).await;
        response
    }))
    .await
}
