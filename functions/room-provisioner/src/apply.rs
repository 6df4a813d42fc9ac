//! Applying a plan: each step within its category's rate, retried when that may help, and
//! reported one by one. A failed step does not stop the run; a step that depends on a failed one
//! (a room on a logging configuration that was not created, a deletion on a detach that did not
//! happen) is skipped and reported instead of leaving a dangling reference.

use std::collections::{BTreeMap, BTreeSet};

use ivschat_api::ids::LoggingConfigurationArn;
use ivschat_api::model::{
    CreateLoggingConfigurationRequest, CreateRoomRequest, UpdateLoggingConfigurationRequest,
    UpdateRoomRequest,
};
use ivschat_api::{Attempted, IvsChatError, PacedChatClient};
use serde::Serialize;

use crate::plan::{PlanStep, ReconcilePlan};

/// What happened to one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StepOutcome {
    /// Dry run: the step would be applied.
    Planned,
    /// The step was applied.
    Applied {
        /// Calls made, retries included.
        attempts: u32,
        /// The ARN of a resource the step created.
        #[serde(skip_serializing_if = "Option::is_none")]
        created_arn: Option<String>,
    },
    /// The step failed; the error is the last attempt's.
    Failed {
        /// Calls made, retries included.
        attempts: u32,
        /// The error's kind (`Throttling`, `InternalServer`, …).
        error_kind: String,
        /// The error's message.
        error: String,
    },
    /// The step was not attempted because a step it depends on failed.
    Skipped {
        /// Which dependency failed.
        reason: String,
    },
}

impl StepOutcome {
    fn failed(attempts: u32, error: &IvsChatError) -> Self {
        Self::Failed {
            attempts,
            error_kind: error.kind().to_owned(),
            error: error.to_string(),
        }
    }

    fn from_attempt<T>(
        attempted: Attempted<T>,
        created_arn: impl FnOnce(&T) -> Option<String>,
    ) -> Self {
        match attempted.result {
            Ok(value) => Self::Applied {
                attempts: attempted.attempts,
                created_arn: created_arn(&value),
            },
            Err(error) => Self::failed(attempted.attempts, &error),
        }
    }

    /// True when the step was applied.
    pub fn is_applied(&self) -> bool {
        matches!(self, Self::Applied { .. })
    }
}

/// A step and its outcome, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepReport {
    /// The step.
    #[serde(flatten)]
    pub step: PlanStep,
    /// What happened.
    pub outcome: StepOutcome,
}

/// Counts of step outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Totals {
    /// Steps in the plan.
    pub planned: usize,
    /// Steps applied.
    pub applied: usize,
    /// Steps that failed.
    pub failed: usize,
    /// Steps skipped because a dependency failed.
    pub skipped: usize,
}

impl Totals {
    /// Counts the outcomes in `steps`.
    pub fn of(steps: &[StepReport]) -> Self {
        let mut totals = Self {
            planned: steps.len(),
            ..Self::default()
        };
        for report in steps {
            match report.outcome {
                StepOutcome::Applied { .. } => totals.applied += 1,
                StepOutcome::Failed { .. } => totals.failed += 1,
                StepOutcome::Skipped { .. } => totals.skipped += 1,
                StepOutcome::Planned => {}
            }
        }
        totals
    }
}

/// Resolves spec keys of logging configurations to ARNs, failing with the first key that has
/// none.
fn resolve_keys(
    keys: &[String],
    arns: &BTreeMap<String, LoggingConfigurationArn>,
) -> Result<Vec<LoggingConfigurationArn>, String> {
    keys.iter()
        .map(|k| {
            arns.get(k).cloned().ok_or_else(|| {
                format!("logging configuration `{k}` does not exist (its creation failed)")
            })
        })
        .collect()
}

/// Applies `plan` in order. `logging_arns` maps the spec keys of existing managed logging
/// configurations to their ARNs; created ones are added as they are created.
pub async fn apply_plan(
    client: &PacedChatClient,
    plan: &ReconcilePlan,
    mut logging_arns: BTreeMap<String, LoggingConfigurationArn>,
) -> Vec<StepReport> {
    let mut reports = Vec::with_capacity(plan.steps.len());
    // Rooms whose create, update or delete did not happen: deletions that wait on them skip.
    let mut unsettled_rooms = BTreeSet::new();
    for step in &plan.steps {
        let outcome = apply_step(client, step, &mut logging_arns, &unsettled_rooms).await;
        if !outcome.is_applied()
            && matches!(
                step,
                PlanStep::CreateRoom { .. }
                    | PlanStep::UpdateRoom { .. }
                    | PlanStep::DeleteRoom { .. }
            )
        {
            unsettled_rooms.insert(step.key().to_owned());
        }
        match &outcome {
            StepOutcome::Applied { attempts, .. } => tracing::info!(
                action = step.action(),
                key = step.key(),
                attempts,
                "applied"
            ),
            StepOutcome::Failed {
                attempts,
                error_kind,
                error,
            } => tracing::warn!(
                action = step.action(),
                key = step.key(),
                attempts,
                error_kind = %error_kind,
                error = %error,
                "step failed"
            ),
            StepOutcome::Skipped { reason } => tracing::warn!(
                action = step.action(),
                key = step.key(),
                reason = %reason,
                "step skipped"
            ),
            StepOutcome::Planned => {}
        }
        reports.push(StepReport {
            step: step.clone(),
            outcome,
        });
    }
    reports
}

async fn apply_step(
    client: &PacedChatClient,
    step: &PlanStep,
    logging_arns: &mut BTreeMap<String, LoggingConfigurationArn>,
    unsettled_rooms: &BTreeSet<String>,
) -> StepOutcome {
    match step {
        PlanStep::CreateLoggingConfiguration {
            key,
            name,
            destination,
            tags,
        } => {
            let request = CreateLoggingConfigurationRequest {
                name: Some(name.clone()),
                destination: destination.clone(),
                tags: tags.clone(),
            };
            let attempted = client.create_logging_configuration(&request).await;
            if let Ok(lc) = &attempted.result {
                logging_arns.insert(key.clone(), lc.arn.clone());
            }
            StepOutcome::from_attempt(attempted, |lc| Some(lc.arn.to_string()))
        }
        PlanStep::UpdateLoggingConfiguration {
            arn,
            name,
            destination,
            ..
        } => {
            let request = UpdateLoggingConfigurationRequest {
                logging_configuration: arn.clone(),
                name: name.clone(),
                destination: destination.clone(),
            };
            let attempted = client.update_logging_configuration(&request).await;
            StepOutcome::from_attempt(attempted, |_| None)
        }
        PlanStep::CreateRoom {
            name,
            maximum_message_length,
            maximum_message_rate_per_second,
            message_review_handler,
            logging_configurations,
            tags,
            ..
        } => {
            let identifiers = match resolve_keys(logging_configurations, logging_arns) {
                Ok(arns) => arns,
                Err(reason) => return StepOutcome::Skipped { reason },
            };
            let request = CreateRoomRequest {
                name: Some(name.clone()),
                maximum_message_rate_per_second: Some(*maximum_message_rate_per_second),
                maximum_message_length: Some(*maximum_message_length),
                message_review_handler: message_review_handler.clone(),
                tags: tags.clone(),
                logging_configuration_identifiers: identifiers,
            };
            let attempted = client.create_room(&request).await;
            StepOutcome::from_attempt(attempted, |room| Some(room.arn.to_string()))
        }
        PlanStep::UpdateRoom { arn, changes, .. } => {
            let identifiers = match &changes.logging_configurations {
                Some(keys) => match resolve_keys(keys, logging_arns) {
                    Ok(arns) => Some(arns),
                    Err(reason) => return StepOutcome::Skipped { reason },
                },
                None => None,
            };
            let request = UpdateRoomRequest {
                room: arn.clone(),
                name: changes.name.clone(),
                maximum_message_rate_per_second: changes.maximum_message_rate_per_second,
                maximum_message_length: changes.maximum_message_length,
                message_review_handler: changes.message_review_handler.clone(),
                logging_configuration_identifiers: identifiers,
            };
            let attempted = client.update_room(&request).await;
            StepOutcome::from_attempt(attempted, |_| None)
        }
        PlanStep::Retag { arn, tags, .. } => {
            let attempted = client.apply_tag_changes(arn, tags).await;
            StepOutcome::from_attempt(attempted, |_| None)
        }
        PlanStep::DeleteRoom { arn, .. } => {
            let attempted = client.delete_room(arn).await;
            deleted(attempted)
        }
        PlanStep::DeleteLoggingConfiguration {
            arn, detach_first, ..
        } => {
            if let Some(room) = detach_first.iter().find(|k| unsettled_rooms.contains(*k)) {
                return StepOutcome::Skipped {
                    reason: format!(
                        "room `{room}` still uses it: its update did not happen, so deleting now would fail or dangle"
                    ),
                };
            }
            let attempted = client.delete_logging_configuration(arn).await;
            deleted(attempted)
        }
    }
}

/// A deletion whose target is already gone has reached its goal.
fn deleted(attempted: Attempted<()>) -> StepOutcome {
    match attempted.result {
        Err(error) if error.is_not_found() => StepOutcome::Applied {
            attempts: attempted.attempts,
            created_arn: None,
        },
        result => StepOutcome::from_attempt(
            Attempted {
                result,
                attempts: attempted.attempts,
            },
            |_| None,
        ),
    }
}
