//! Planning rooms: create what is missing, update what drifted (settings, review handler,
//! attached logging configurations), retag, and (when the spec prunes) delete what the spec no
//! longer names or what duplicates a key.

use std::collections::{BTreeMap, BTreeSet};

use ivschat_api::ids::LoggingConfigurationArn;
use ivschat_api::managed::recorded_spec_keys;
use ivschat_api::model::{LoggingConfiguration, MessageReviewHandler, Room};

use super::{Drift, PhasedSteps, PlanStep, ResourceKind, RoomChanges, TagChanges, managed_tags};
use crate::spec::DesiredState;

/// Creates, updates and retags of rooms. `existing` holds the kept room per spec key and
/// `logging` the kept logging configuration per key (rooms name them by key).
pub(super) fn plan_changes(
    desired: &DesiredState,
    deployment: &str,
    existing: &BTreeMap<String, &Room>,
    logging: &BTreeMap<String, &LoggingConfiguration>,
) -> PhasedSteps {
    let lc_arn_by_key: BTreeMap<&str, &LoggingConfigurationArn> = logging
        .iter()
        .map(|(k, lc)| (k.as_str(), &lc.arn))
        .collect();
    let mut steps = PhasedSteps::default();
    for (key, want) in &desired.rooms {
        let tags = managed_tags(&want.tags, deployment, key);
        let Some(have) = existing.get(key) else {
            steps.creates.push(PlanStep::CreateRoom {
                key: key.clone(),
                name: want.name.clone(),
                maximum_message_length: want.maximum_message_length,
                maximum_message_rate_per_second: want.maximum_message_rate_per_second,
                message_review_handler: want.message_review_handler.clone(),
                logging_configurations: want.logging_configurations.clone(),
                tags,
            });
            continue;
        };
        let mut changes = RoomChanges::default();
        let mut drift = Vec::new();
        if have.name != want.name {
            drift.push(Drift::new("name", &have.name, &want.name));
            changes.name = Some(want.name.clone());
        }
        if have.maximum_message_length != want.maximum_message_length {
            drift.push(Drift::new(
                "maximumMessageLength",
                have.maximum_message_length,
                want.maximum_message_length,
            ));
            changes.maximum_message_length = Some(want.maximum_message_length);
        }
        if have.maximum_message_rate_per_second != want.maximum_message_rate_per_second {
            drift.push(Drift::new(
                "maximumMessageRatePerSecond",
                have.maximum_message_rate_per_second,
                want.maximum_message_rate_per_second,
            ));
            changes.maximum_message_rate_per_second = Some(want.maximum_message_rate_per_second);
        }
        if !same_handler(
            have.message_review_handler.as_ref(),
            want.message_review_handler.as_ref(),
        ) {
            drift.push(Drift::new(
                "messageReviewHandler",
                handler_text(have.message_review_handler.as_ref()),
                handler_text(want.message_review_handler.as_ref()),
            ));
            changes.message_review_handler = Some(want.message_review_handler.clone().unwrap_or(
                MessageReviewHandler {
                    uri: String::new(),
                    fallback_result: Default::default(),
                },
            ));
        }
        let have_lcs: BTreeSet<&str> = have
            .logging_configuration_identifiers
            .iter()
            .map(LoggingConfigurationArn::as_str)
            .collect();
        let want_lcs: Option<BTreeSet<&str>> = want
            .logging_configurations
            .iter()
            .map(|k| lc_arn_by_key.get(k.as_str()).map(|a| a.as_str()))
            .collect();
        if want_lcs.as_ref() != Some(&have_lcs) {
            drift.push(Drift::new(
                "loggingConfigurationIdentifiers",
                have_lcs.iter().copied().collect::<Vec<_>>().join(","),
                want.logging_configurations.join(","),
            ));
            changes.logging_configurations = Some(want.logging_configurations.clone());
        }
        if !drift.is_empty() {
            steps.updates.push(PlanStep::UpdateRoom {
                key: key.clone(),
                arn: have.arn.clone(),
                changes,
                drift,
            });
        }
        let tag_changes = TagChanges::between(&have.tags, &tags, &recorded_spec_keys(&have.tags));
        if !tag_changes.is_empty() {
            steps.retags.push(PlanStep::Retag {
                resource: ResourceKind::Room,
                key: key.clone(),
                arn: have.arn.clone().into(),
                tags: tag_changes,
            });
        }
    }
    steps
}

/// Deletions of rooms the spec no longer names and of duplicates of a key, when the spec
/// prunes (otherwise each is noted in `warnings`).
pub(super) fn plan_deletions(
    desired: &DesiredState,
    existing: &BTreeMap<String, &Room>,
    duplicates: &[(String, &Room)],
    warnings: &mut Vec<String>,
) -> Vec<PlanStep> {
    let mut deletes = Vec::new();
    for (key, have) in existing {
        if desired.rooms.contains_key(key) {
            continue;
        }
        if desired.prune {
            deletes.push(PlanStep::DeleteRoom {
                key: key.clone(),
                arn: have.arn.clone(),
                reason: "not in the spec".into(),
            });
        } else {
            warnings.push(format!(
                "rooms.{key} ({}) is not in the spec; kept because prune is off",
                have.arn
            ));
        }
    }
    for (key, dup) in duplicates {
        if desired.prune {
            deletes.push(PlanStep::DeleteRoom {
                key: key.clone(),
                arn: dup.arn.clone(),
                reason: "a second managed room with this key".into(),
            });
        } else {
            warnings.push(format!(
                "rooms.{key}: {} is a second managed room with this key; kept because prune is off",
                dup.arn
            ));
        }
    }
    deletes
}

fn handler_text(handler: Option<&MessageReviewHandler>) -> String {
    match handler {
        Some(h) if !h.uri.is_empty() => format!("{} ({})", h.uri, h.fallback_result.as_str()),
        _ => "(none)".to_owned(),
    }
}

fn same_handler(
    current: Option<&MessageReviewHandler>,
    desired: Option<&MessageReviewHandler>,
) -> bool {
    let effective = |h: Option<&MessageReviewHandler>| h.filter(|h| !h.uri.is_empty()).cloned();
    effective(current) == effective(desired)
}
