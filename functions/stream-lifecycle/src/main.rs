//! The stream lifecycle Lambda: IVS stream events from an EventBridge rule, and the sweep
//! (`{"action": "sweep"}`) from a schedule.

use ivschat_api::ChatClient;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use room_provisioner::Pacer;
use serde_json::Value;
use stream_lifecycle::{StreamLifecycleConfig, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = StreamLifecycleConfig::from_env()?;
    tracing::info!(deployment = %config.deployment, delete_after_end = ?config.delete_after_end, "configuration loaded");
    let client = ChatClient::from_env(Pacer::client_settings()).await;
    let pacer = Pacer::default();
    let (config, client, pacer) = (&config, &client, &pacer);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        handle(
            client,
            pacer,
            config,
            event.payload,
            time::OffsetDateTime::now_utc(),
        )
        .await
    }))
    .await
}
