//! `POST /tags` on the HTTP API: tag or untag one room or logging configuration, within the tag
//! policy, for callers with an admin role.

use ivschat_api::PacedChatClient;
use lambda_http::Error;
use tag_manager::TagManagerConfig;
use tag_manager::handler::handle_tags_request;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (config, aws) = function_startup::start(TagManagerConfig::from_env).await?;
    let client = PacedChatClient::from_sdk_config(&aws);
    let (config, client) = (
        function_startup::leak_for_process(config),
        function_startup::leak_for_process(client),
    );
    http_api::serve(http_api::handler(move |request| {
        handle_tags_request(client, config, request)
    }))
    .await
}
