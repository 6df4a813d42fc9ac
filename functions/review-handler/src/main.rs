//! IVS Chat message review handler Lambda: compiles the moderation policy once at cold start
//! (`REVIEW_POLICY_PATH`, else the built-in default) and reviews every message with it.

use std::sync::Arc;

use ivschat_moderation::PolicySet;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use review_handler::ReviewHandlerConfig;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = ReviewHandlerConfig::from_env();
    let policy = Arc::new(
        PolicySet::load(config.policy_path.as_deref()).map_err(|error| {
            tracing::error!(error = %error, "moderation policy failed to load; failing cold start");
            format!("moderation policy failed to load: {error}")
        })?,
    );
    tracing::info!(policy = policy.source_name(), "moderation policy compiled");
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let policy = Arc::clone(&policy);
        async move { review_handler::handle_event(&policy, event.payload) }
    }))
    .await
}
