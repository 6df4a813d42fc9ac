//! IVS Chat message review handler Lambda: compiles the moderation policy once at cold start
//! (`REVIEW_POLICY_PATH`, else the built-in default), builds the ban check when
//! `STATE_TABLE_NAME` names the state table (and opens its connection with one read), and
//! reviews every message with them.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use review_handler::ReviewHandlerConfig;
use review_handler::bans::CachedBanCheck;
use serde_json::Value;
use toolkit_state::{StateTable, StateTimeouts};

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_startup::init_tracing();
    let config = function_startup::require_config(ReviewHandlerConfig::from_env())?;
    let bans = match &config.state_table_name {
        Some(name) => {
            let aws = function_startup::load_aws_config().await;
            let check = CachedBanCheck::new(
                StateTable::from_sdk_config(&aws, name.clone(), StateTimeouts::REVIEW_PATH),
                config.ban_check,
            );
            // The connection to the table opens now, not on the first message's read.
            check.warm_up().await;
            Some(check)
        }
        None => None,
    };
    let config = function_startup::leak_for_process(config);
    let policy = &config.policy;
    let bans = function_startup::leak_for_process(bans).as_ref();
    lambda_runtime::run_concurrent(service_fn(move |event: LambdaEvent<Value>| async move {
        review_handler::review_event(policy, bans, event.payload).await
    }))
    .await
}
