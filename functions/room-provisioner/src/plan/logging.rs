//! Planning logging configurations: create what is missing, update what drifted, retag, and
//! (when the spec prunes) delete what the spec no longer names or what duplicates a key.

use std::collections::BTreeMap;

use ivschat_api::managed::{RESOURCE_KEY_TAG, recorded_spec_keys};
use ivschat_api::model::{Destination, LoggingConfiguration, LoggingConfigurationState};

use super::{Drift, PhasedSteps, PlanStep, ResourceKind, TagChanges, managed_tags};
use crate::inventory::CurrentState;
use crate::spec::DesiredState;

/// Creates, updates and retags of logging configurations. `existing` holds the kept
/// configuration per spec key. A configuration not ACTIVE is noted in `warnings`.
pub(super) fn plan_changes(
    desired: &DesiredState,
    deployment: &str,
    existing: &BTreeMap<String, &LoggingConfiguration>,
    warnings: &mut Vec<String>,
) -> PhasedSteps {
    let mut steps = PhasedSteps::default();
    for (key, want) in &desired.logging_configurations {
        let tags = managed_tags(&want.tags, deployment, key);
        let Some(have) = existing.get(key) else {
            steps.creates.push(PlanStep::CreateLoggingConfiguration {
                key: key.clone(),
                name: want.name.clone(),
                destination: want.destination.clone(),
                tags,
            });
            continue;
        };
        if have.state != LoggingConfigurationState::Active {
            warnings.push(format!(
                "loggingConfigurations.{key} ({}) is in state {:?}, not ACTIVE",
                have.arn, have.state
            ));
        }
        let mut drift = Vec::new();
        let name = (have.name != want.name).then(|| {
            drift.push(Drift::new("name", &have.name, &want.name));
            want.name.clone()
        });
        let destination = (have.destination_configuration != want.destination).then(|| {
            drift.push(Drift::new(
                "destinationConfiguration",
                destination_text(&have.destination_configuration),
                destination_text(&want.destination),
            ));
            want.destination.clone()
        });
        if !drift.is_empty() {
            steps.updates.push(PlanStep::UpdateLoggingConfiguration {
                key: key.clone(),
                arn: have.arn.clone(),
                name,
                destination,
                drift,
            });
        }
        let changes = TagChanges::between(&have.tags, &tags, &recorded_spec_keys(&have.tags));
        if !changes.is_empty() {
            steps.retags.push(PlanStep::Retag {
                resource: ResourceKind::LoggingConfiguration,
                key: key.clone(),
                arn: have.arn.clone().into(),
                tags: changes,
            });
        }
    }
    steps
}

/// Deletions of logging configurations the spec no longer names and of duplicates of a key,
/// when the spec prunes (otherwise each is noted in `warnings`). Each deletion lists the rooms
/// (by spec key) that must be detached first.
pub(super) fn plan_deletions(
    desired: &DesiredState,
    current: &CurrentState,
    existing: &BTreeMap<String, &LoggingConfiguration>,
    duplicates: &[(String, &LoggingConfiguration)],
    warnings: &mut Vec<String>,
) -> Vec<PlanStep> {
    let mut deletes = Vec::new();
    let mut delete = |key: &str, lc: &LoggingConfiguration, reason: &str| {
        let detach_first = current
            .rooms
            .iter()
            .filter(|r| r.logging_configuration_identifiers.contains(&lc.arn))
            .filter_map(|r| r.tags.get(RESOURCE_KEY_TAG).cloned())
            .collect();
        deletes.push(PlanStep::DeleteLoggingConfiguration {
            key: key.to_owned(),
            arn: lc.arn.clone(),
            reason: reason.to_owned(),
            detach_first,
        });
    };
    for (key, have) in existing {
        if desired.logging_configurations.contains_key(key) {
            continue;
        }
        if desired.prune {
            delete(key, have, "not in the spec");
        } else {
            warnings.push(format!(
                "loggingConfigurations.{key} ({}) is not in the spec; kept because prune is off",
                have.arn
            ));
        }
    }
    for (key, dup) in duplicates {
        if desired.prune {
            delete(
                key,
                dup,
                "a second managed logging configuration with this key",
            );
        } else {
            warnings.push(format!(
                "loggingConfigurations.{key}: {} is a second managed configuration with this key; \
                 kept because prune is off",
                dup.arn
            ));
        }
    }
    deletes
}

fn destination_text(destination: &Destination) -> String {
    match destination {
        Destination::S3 { bucket_name } => format!("s3:{bucket_name}"),
        Destination::CloudWatchLogs { log_group_name } => {
            format!("cloudWatchLogs:{log_group_name}")
        }
        Destination::Firehose {
            delivery_stream_name,
        } => format!("firehose:{delivery_stream_name}"),
    }
}
