//! The escalation Lambda: CloudWatch Logs subscription batches of the review handler's
//! decision lines in; strikes counted, and timeouts or bans applied, in the state table.

use aws_lambda_events::event::cloudwatch_logs::LogsEvent;
use escalation::{Escalation, EscalationConfig};
use ivschat_api::PacedChatClient;
use lambda_runtime::Error;
use toolkit_state::{StateTable, StateTimeouts};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (config, aws) = function_startup::start(EscalationConfig::from_env).await?;
    let state = StateTable::from_sdk_config(
        &aws,
        config.state_table_name.clone(),
        StateTimeouts::BACKGROUND,
    );
    let escalation = Escalation::new(config, state, PacedChatClient::from_sdk_config(&aws));
    let escalation = function_startup::leak_for_process(escalation);
    function_startup::serve_events(function_startup::event_handler(
        move |event: LogsEvent| async move {
            escalation
                .handle(&event, std::time::SystemTime::now())
                .await
        },
    ))
    .await
}
