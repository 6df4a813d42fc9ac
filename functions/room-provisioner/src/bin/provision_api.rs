//! `POST /provision` on the HTTP API: the same reconcile as the schedule, on demand, for
//! callers with an admin role.

use ivschat_api::PacedChatClient;
use lambda_http::Error;
use room_provisioner::ProvisionerConfig;
use room_provisioner::handler::handle_provision_request;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (config, aws) = function_startup::start(ProvisionerConfig::from_env).await?;
    let client = PacedChatClient::from_sdk_config(&aws);
    let (config, client) = (
        function_startup::leak_for_process(config),
        function_startup::leak_for_process(client),
    );
    http_api::serve(http_api::handler(move |request| {
        handle_provision_request(client, config, request)
    }))
    .await
}
