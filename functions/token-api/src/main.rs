//! The `token-api` Lambda: configuration and the IVS Chat client are built once per cold start.

use ivschat_api::{ChatClient, ClientSettings};
use lambda_http::{Error, run, service_fn};
use token_api::{TokenApi, TokenApiConfig, handle_request};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (config, aws) = function_startup::start(TokenApiConfig::from_env).await?;
    let api = TokenApi::new(
        config,
        ChatClient::from_sdk_config(&aws, ClientSettings::default()),
    );
    let api = &api;
    run(service_fn(move |request| handle_request(api, request))).await
}
