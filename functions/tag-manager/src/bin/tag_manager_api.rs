//! `POST /tags` on the HTTP API: tag or untag one room or logging configuration, within the tag
//! policy, for callers with an admin role.

use ivschat_api::ChatClient;
use lambda_http::{Error, Request, service_fn};
use room_provisioner::Pacer;
use tag_manager::TagManagerConfig;
use tag_manager::handler::handle_tags_request;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = TagManagerConfig::from_env()?;
    tracing::info!(policy = %config.policy_source, "configuration loaded");
    let client = ChatClient::from_env(Pacer::client_settings()).await;
    let pacer = Pacer::default();
    let (config, client, pacer) = (&config, &client, &pacer);
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(handle_tags_request(client, pacer, config, request).await)
    }))
    .await
}
