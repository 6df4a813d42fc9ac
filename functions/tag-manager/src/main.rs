//! The tag manager on a schedule: reads its policy once at cold start, then enforces it on
//! every scheduled invocation (`{"dry_run": false}`).

use ivschat_api::ChatClient;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use room_provisioner::Pacer;
use tag_manager::TagManagerConfig;
use tag_manager::handler::{ScheduledRun, handle_scheduled};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = TagManagerConfig::from_env()?;
    tracing::info!(policy = %config.policy_source, "configuration loaded");
    let client = ChatClient::from_env(Pacer::client_settings()).await;
    let pacer = Pacer::default();
    let (config, client, pacer) = (&config, &client, &pacer);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ScheduledRun>| async move {
            handle_scheduled(client, pacer, config, event.payload).await
        },
    ))
    .await
}
