//! The tag manager on a schedule: reads its policy once at cold start, then enforces it on
//! every scheduled invocation (`{"dry_run": false}`).

use ivschat_api::PacedChatClient;
use lambda_runtime::Error;
use tag_manager::TagManagerConfig;
use tag_manager::handler::{ScheduledRun, handle_scheduled};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (config, aws) = function_startup::start(TagManagerConfig::from_env).await?;
    let client = PacedChatClient::from_sdk_config(&aws);
    let (config, client) = (
        function_startup::leak_for_process(config),
        function_startup::leak_for_process(client),
    );
    function_startup::serve_events(function_startup::event_handler(move |run: ScheduledRun| {
        handle_scheduled(client, config, run)
    }))
    .await
}
