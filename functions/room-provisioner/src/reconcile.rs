//! One reconcile run: read the current state, plan, apply unless it is a dry run, and report.

use std::collections::BTreeMap;

use ivschat_api::managed::RESOURCE_KEY_TAG;
use ivschat_api::{IvsChatError, PacedChatClient};
use serde::Serialize;

use crate::apply::{StepOutcome, StepReport, Totals, apply_plan};
use crate::inventory::read_current_state;
use crate::plan::compute_plan;
use crate::spec::DesiredState;

/// Why a run could not even plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReconcileError {
    /// Listing rooms or logging configurations failed, retries included.
    #[error("could not read the current rooms and logging configurations: {0}")]
    ReadState(#[source] IvsChatError),
}

impl ReconcileError {
    /// A stable name for the failure, for logs and Lambda's `errorType`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ReadState(e) if e.is_retryable() => "ReadStateRetryable",
            Self::ReadState(_) => "ReadStateFailed",
        }
    }
}

impl From<ReconcileError> for lambda_runtime::Diagnostic {
    fn from(error: ReconcileError) -> Self {
        Self {
            error_type: error.kind().to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// What a run planned and did: every step with its outcome, warnings and totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// The deployment reconciled.
    pub deployment: String,
    /// True when nothing was changed on purpose.
    pub dry_run: bool,
    /// Every planned step and its outcome (`planned` in a dry run).
    pub steps: Vec<StepReport>,
    /// Things noticed that no step changes.
    pub warnings: Vec<String>,
    /// Counts of outcomes.
    pub totals: Totals,
}

/// Makes the resources `deployment` manages match `desired`, or in a dry run only says how.
/// Fails only when the current state cannot be read; step failures are in the report.
pub async fn reconcile(
    client: &PacedChatClient,
    desired: &DesiredState,
    deployment: &str,
    dry_run: bool,
) -> Result<ReconcileReport, ReconcileError> {
    let current = read_current_state(client, deployment)
        .await
        .map_err(ReconcileError::ReadState)?;
    let plan = compute_plan(desired, deployment, &current);
    let steps = if dry_run {
        plan.steps
            .iter()
            .map(|step| StepReport {
                step: step.clone(),
                outcome: StepOutcome::Planned,
            })
            .collect()
    } else {
        let mut logging_arns = BTreeMap::new();
        // The oldest configuration per key is the one kept (see plan::by_key).
        let mut oldest_first = current.logging_configurations.clone();
        oldest_first.sort_by_key(|lc| lc.create_time);
        for lc in oldest_first {
            if let Some(key) = lc.tags.get(RESOURCE_KEY_TAG) {
                logging_arns.entry(key.clone()).or_insert(lc.arn);
            }
        }
        apply_plan(client, &plan, logging_arns).await
    };
    let totals = Totals::of(&steps);
    Ok(ReconcileReport {
        deployment: deployment.to_owned(),
        dry_run,
        steps,
        warnings: plan.warnings,
        totals,
    })
}
