//! The stream lifecycle Lambda: IVS stream events from an EventBridge rule, and the sweep
//! (`{"action": "sweep"}`) from a schedule.

use ivschat_api::PacedChatClient;
use lambda_runtime::Error;
use serde_json::Value;
use stream_lifecycle::{StreamLifecycleConfig, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (config, aws) = function_startup::start(StreamLifecycleConfig::from_env).await?;
    let client = PacedChatClient::from_sdk_config(&aws);
    let (config, client) = (
        function_startup::leak_for_process(config),
        function_startup::leak_for_process(client),
    );
    function_startup::serve_events(function_startup::event_handler(move |event: Value| {
        handle(client, config, event, time::OffsetDateTime::now_utc())
    }))
    .await
}
