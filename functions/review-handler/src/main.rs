//! IVS Chat message review handler Lambda: compiles the moderation policy once at cold start
//! (`REVIEW_POLICY_PATH`, else the built-in default) and reviews every message with it.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use review_handler::ReviewHandlerConfig;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_startup::init_tracing();
    let config = function_startup::require_config(ReviewHandlerConfig::from_env())?;
    let policy = &config.policy;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        review_handler::handle_event(policy, event.payload)
    }))
    .await
}
