//! The Lambda entry point: one function receives both the EventBridge rule's stream events and
//! the schedule's sweep input, and tells them apart by shape.

use ivschat_api::PacedChatClient;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::config::StreamLifecycleConfig;
use crate::event::{StreamStateChange, StreamStateChangeEvent};
use crate::lifecycle::{StreamEventError, StreamEventOutcome, handle_stream_event};
use crate::sweep::{SweepReport, sweep_ended_rooms};

/// The schedule's `Input` JSON: `{"action": "sweep"}`, optionally `"dry_run": true`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepRun {
    /// Must be `sweep`.
    pub action: SweepAction,
    /// List what would be deleted; delete nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// The only scheduled action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepAction {
    /// Delete rooms whose stream ended long enough ago.
    Sweep,
}

/// What the function did with its input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum LifecycleResult {
    /// A stream event's outcome.
    StreamEvent(StreamEventOutcome),
    /// A sweep's report.
    Sweep(SweepReport),
}

/// Why the input could not be handled.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// Neither an EventBridge event nor the sweep input.
    #[error("unrecognised input: {0}")]
    UnrecognisedInput(String),
    /// Handling failed.
    #[error(transparent)]
    Stream(#[from] StreamEventError),
}

impl From<LifecycleError> for lambda_runtime::Diagnostic {
    fn from(error: LifecycleError) -> Self {
        let error_type = match &error {
            LifecycleError::UnrecognisedInput(_) => "UnrecognisedInput",
            LifecycleError::Stream(e) => e.kind(),
        };
        Self {
            error_type: error_type.to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// Handles one invocation: an EventBridge event (it has `detail-type`) or the sweep input.
pub async fn handle(
    client: &PacedChatClient,
    config: &StreamLifecycleConfig,
    payload: Value,
    now: OffsetDateTime,
) -> Result<LifecycleResult, LifecycleError> {
    let unrecognised = |e: serde_json::Error| LifecycleError::UnrecognisedInput(e.to_string());
    if payload.get("detail-type").is_some() {
        let event: StreamStateChangeEvent =
            serde_json::from_value(payload).map_err(unrecognised)?;
        let event =
            StreamStateChange::try_from(event).map_err(LifecycleError::UnrecognisedInput)?;
        let outcome = Box::pin(handle_stream_event(client, config, &event))
            .await
            .inspect_err(|e| tracing::error!(error = %e, kind = e.kind(), "stream event failed"))?;
        tracing::info!(
            event = %event.detail.event_name,
            time = %event.time,
            outcome = %serde_json::to_string(&outcome).unwrap_or_default(),
            "stream event handled"
        );
        return Ok(LifecycleResult::StreamEvent(outcome));
    }
    let run: SweepRun = serde_json::from_value(payload).map_err(unrecognised)?;
    let report = Box::pin(sweep_ended_rooms(
        client,
        &config.deployment,
        config.delete_after_end,
        now,
        run.dry_run,
    ))
    .await?;
    tracing::info!(
        report = %serde_json::to_string(&report).unwrap_or_default(),
        "sweep finished"
    );
    Ok(LifecycleResult::Sweep(report))
}
