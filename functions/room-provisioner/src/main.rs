//! The room provisioner on a schedule: reads its configuration and spec once at cold start,
//! then reconciles on every scheduled invocation (`{"dry_run": false}`).

use ivschat_api::ChatClient;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use room_provisioner::handler::{ScheduledRun, handle_scheduled};
use room_provisioner::{Pacer, ProvisionerConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = ProvisionerConfig::from_env()?;
    tracing::info!(deployment = %config.deployment, spec = %config.spec_source, "configuration loaded");
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
