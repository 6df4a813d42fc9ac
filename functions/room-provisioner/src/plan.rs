//! Planning: comparing what the spec asks for with what exists, and listing the steps that close
//! the gap, in the order they must be applied.
//!
//! Planning is a pure function ([`compute_plan`]); it calls nothing, so it is tested without any
//! service. Only drifted fields are updated; tags are added, changed, and removed only when the
//! spec declared them before (see [`toolkit_tags::SPEC_TAG_KEYS_TAG`]); nothing is deleted
//! unless the spec enables pruning.

use std::collections::{BTreeMap, BTreeSet};

use ivschat_api::ids::{LoggingConfigurationArn, ResourceArn, RoomArn};
use ivschat_api::managed::{DEPLOYMENT_TAG, RESOURCE_KEY_TAG};
use ivschat_api::model::{Destination, LoggingConfiguration, MessageReviewHandler, Room};
use serde::{Serialize, Serializer};

use crate::inventory::CurrentState;
use crate::spec::DesiredState;
use crate::toolkit_tags::{self, SPEC_TAG_KEYS_TAG};

/// Which kind of resource a step touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// A chat room.
    Room,
    /// A logging configuration.
    LoggingConfiguration,
}

/// One field that differs: what it is now and what the spec wants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// The field, in the service's spelling (`maximumMessageLength`).
    pub field: String,
    /// Its current value, as text.
    pub current: String,
    /// The value the spec wants, as text.
    pub desired: String,
}

impl Drift {
    fn new(field: &str, current: impl ToString, desired: impl ToString) -> Self {
        Self {
            field: field.to_owned(),
            current: current.to_string(),
            desired: desired.to_string(),
        }
    }
}

/// A tag value that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueChange {
    /// The value now.
    pub from: String,
    /// The value after the step.
    pub to: String,
}

/// The tag changes on one resource.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TagChanges {
    /// Tags to add.
    pub added: BTreeMap<String, String>,
    /// Tags whose value changes.
    pub changed: BTreeMap<String, ValueChange>,
    /// Tag keys to remove.
    pub removed: Vec<String>,
}

impl TagChanges {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// The tags a TagResource call must set (added and changed).
    pub fn to_set(&self) -> BTreeMap<String, String> {
        let mut set = self.added.clone();
        set.extend(self.changed.iter().map(|(k, c)| (k.clone(), c.to.clone())));
        set
    }

    /// The changes that turn `current` into `desired`, removing only keys in `removable`.
    pub fn between(
        current: &BTreeMap<String, String>,
        desired: &BTreeMap<String, String>,
        removable: &[String],
    ) -> Self {
        let mut changes = Self::default();
        for (key, value) in desired {
            match current.get(key) {
                None => {
                    changes.added.insert(key.clone(), value.clone());
                }
                Some(now) if now != value => {
                    changes.changed.insert(
                        key.clone(),
                        ValueChange {
                            from: now.clone(),
                            to: value.clone(),
                        },
                    );
                }
                Some(_) => {}
            }
        }
        for key in removable {
            if !desired.contains_key(key)
                && current.contains_key(key)
                && !toolkit_tags::is_reserved(key)
                && !changes.removed.contains(key)
            {
                changes.removed.push(key.clone());
            }
        }
        changes
    }
}

/// The settings UpdateRoom changes; unset fields are not touched.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomChanges {
    /// A new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new message length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_message_length: Option<i64>,
    /// A new message rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_message_rate_per_second: Option<i64>,
    /// A new handler; an empty `uri` removes the handler.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_review_handler: Option<MessageReviewHandler>,
    /// The complete new list of logging configurations, by spec key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_configurations: Option<Vec<String>>,
}

/// One change the provisioner makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum PlanStep {
    /// Create a logging configuration, tagged as managed.
    CreateLoggingConfiguration {
        /// Spec key.
        key: String,
        /// Name.
        name: String,
        /// Destination.
        destination: Destination,
        /// All its tags, the toolkit's included.
        tags: BTreeMap<String, String>,
    },
    /// Change a logging configuration's name or destination.
    UpdateLoggingConfiguration {
        /// Spec key.
        key: String,
        /// The configuration.
        arn: LoggingConfigurationArn,
        /// A new name.
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// A new destination.
        #[serde(skip_serializing_if = "Option::is_none")]
        destination: Option<Destination>,
        /// What differs.
        drift: Vec<Drift>,
    },
    /// Create a room, tagged as managed, attached to its logging configurations.
    CreateRoom {
        /// Spec key.
        key: String,
        /// Name.
        name: String,
        /// Longest message.
        #[serde(rename = "maximumMessageLength")]
        maximum_message_length: i64,
        /// Message rate.
        #[serde(rename = "maximumMessageRatePerSecond")]
        maximum_message_rate_per_second: i64,
        /// Review handler.
        #[serde(rename = "messageReviewHandler")]
        message_review_handler: Option<MessageReviewHandler>,
        /// Logging configurations by spec key.
        #[serde(rename = "loggingConfigurations")]
        logging_configurations: Vec<String>,
        /// All its tags, the toolkit's included.
        tags: BTreeMap<String, String>,
    },
    /// Change only the drifted settings of a room.
    UpdateRoom {
        /// Spec key.
        key: String,
        /// The room.
        arn: RoomArn,
        /// The new values.
        changes: RoomChanges,
        /// What differs.
        drift: Vec<Drift>,
    },
    /// Add, change and remove tags on a room or logging configuration.
    Retag {
        /// Which kind of resource.
        resource: ResourceKind,
        /// Spec key.
        key: String,
        /// The resource.
        #[serde(serialize_with = "as_text")]
        arn: ResourceArn,
        /// The changes.
        tags: TagChanges,
    },
    /// Delete a managed room the spec no longer declares (or a duplicate).
    DeleteRoom {
        /// Spec key it carries.
        key: String,
        /// The room.
        arn: RoomArn,
        /// Why.
        reason: String,
    },
    /// Delete a managed logging configuration the spec no longer declares (or a duplicate).
    DeleteLoggingConfiguration {
        /// Spec key it carries.
        key: String,
        /// The configuration.
        arn: LoggingConfigurationArn,
        /// Why.
        reason: String,
        /// Keys of managed rooms that use it now; their steps must succeed first.
        #[serde(rename = "detachFirst", skip_serializing_if = "Vec::is_empty")]
        detach_first: Vec<String>,
    },
}

fn as_text<S: Serializer>(arn: &ResourceArn, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(arn.as_str())
}

impl PlanStep {
    /// The spec key of the resource the step touches.
    pub fn key(&self) -> &str {
        match self {
            Self::CreateLoggingConfiguration { key, .. }
            | Self::UpdateLoggingConfiguration { key, .. }
            | Self::CreateRoom { key, .. }
            | Self::UpdateRoom { key, .. }
            | Self::Retag { key, .. }
            | Self::DeleteRoom { key, .. }
            | Self::DeleteLoggingConfiguration { key, .. } => key,
        }
    }

    /// The kind of resource the step touches.
    pub fn resource_kind(&self) -> ResourceKind {
        match self {
            Self::CreateLoggingConfiguration { .. }
            | Self::UpdateLoggingConfiguration { .. }
            | Self::DeleteLoggingConfiguration { .. } => ResourceKind::LoggingConfiguration,
            Self::CreateRoom { .. } | Self::UpdateRoom { .. } | Self::DeleteRoom { .. } => {
                ResourceKind::Room
            }
            Self::Retag { resource, .. } => *resource,
        }
    }

    /// The step's action name as it appears in JSON (`create_room`, …).
    pub fn action(&self) -> &'static str {
        match self {
            Self::CreateLoggingConfiguration { .. } => "create_logging_configuration",
            Self::UpdateLoggingConfiguration { .. } => "update_logging_configuration",
            Self::CreateRoom { .. } => "create_room",
            Self::UpdateRoom { .. } => "update_room",
            Self::Retag { .. } => "retag",
            Self::DeleteRoom { .. } => "delete_room",
            Self::DeleteLoggingConfiguration { .. } => "delete_logging_configuration",
        }
    }
}

/// The steps that make the account match the spec, in the order they must be applied:
/// logging configurations before the rooms that use them, room changes (which detach) before
/// deletions of the configurations they detach from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ReconcilePlan {
    /// The steps, in application order.
    pub steps: Vec<PlanStep>,
    /// Things noticed that no step changes (duplicates kept, resources kept because pruning
    /// is off, configurations not ACTIVE).
    pub warnings: Vec<String>,
}

impl ReconcilePlan {
    /// True when the account already matches the spec.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// The tags a managed resource must carry: the spec's, plus the toolkit's own.
pub fn managed_tags(
    spec_tags: &BTreeMap<String, String>,
    deployment: &str,
    key: &str,
) -> BTreeMap<String, String> {
    let mut tags = spec_tags.clone();
    tags.insert(DEPLOYMENT_TAG.to_owned(), deployment.to_owned());
    tags.insert(RESOURCE_KEY_TAG.to_owned(), key.to_owned());
    tags.insert(
        SPEC_TAG_KEYS_TAG.to_owned(),
        toolkit_tags::join_keys(spec_tags.keys()),
    );
    tags
}

/// Groups resources by their spec key: the oldest one per key is kept, the rest are duplicates.
fn by_key<T>(
    items: &[T],
    tags: impl Fn(&T) -> &BTreeMap<String, String>,
    created: impl Fn(&T) -> time::OffsetDateTime,
) -> (BTreeMap<String, &T>, Vec<(String, &T)>) {
    let mut sorted: Vec<&T> = items.iter().collect();
    sorted.sort_by_key(|item| created(item));
    let mut kept = BTreeMap::new();
    let mut duplicates = Vec::new();
    for item in sorted {
        let Some(key) = tags(item).get(RESOURCE_KEY_TAG) else {
            continue;
        };
        if kept.contains_key(key) {
            duplicates.push((key.clone(), item));
        } else {
            kept.insert(key.clone(), item);
        }
    }
    (kept, duplicates)
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

/// Computes the plan that makes `current` match `desired` for `deployment`.
pub fn compute_plan(
    desired: &DesiredState,
    deployment: &str,
    current: &CurrentState,
) -> ReconcilePlan {
    let mut plan = ReconcilePlan::default();
    let (lcs, lc_duplicates) = by_key(
        &current.logging_configurations,
        |lc: &LoggingConfiguration| &lc.tags,
        |lc| lc.create_time,
    );
    let (rooms, room_duplicates) = by_key(&current.rooms, |r: &Room| &r.tags, |r| r.create_time);

    // Logging configurations first: rooms attach to them.
    let mut lc_creates = Vec::new();
    let mut lc_updates = Vec::new();
    let mut lc_retags = Vec::new();
    for (key, want) in &desired.logging_configurations {
        let tags = managed_tags(&want.tags, deployment, key);
        let Some(have) = lcs.get(key) else {
            lc_creates.push(PlanStep::CreateLoggingConfiguration {
                key: key.clone(),
                name: want.name.clone(),
                destination: want.destination.clone(),
                tags,
            });
            continue;
        };
        if have.state != ivschat_api::model::LoggingConfigurationState::Active {
            plan.warnings.push(format!(
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
            lc_updates.push(PlanStep::UpdateLoggingConfiguration {
                key: key.clone(),
                arn: have.arn.clone(),
                name,
                destination,
                drift,
            });
        }
        let changes = TagChanges::between(
            &have.tags,
            &tags,
            &toolkit_tags::recorded_spec_keys(&have.tags),
        );
        if !changes.is_empty() {
            lc_retags.push(PlanStep::Retag {
                resource: ResourceKind::LoggingConfiguration,
                key: key.clone(),
                arn: have.arn.clone().into(),
                tags: changes,
            });
        }
    }

    let lc_arn_by_key: BTreeMap<&str, &LoggingConfigurationArn> =
        lcs.iter().map(|(k, lc)| (k.as_str(), &lc.arn)).collect();
    let mut room_creates = Vec::new();
    let mut room_updates = Vec::new();
    let mut room_retags = Vec::new();
    for (key, want) in &desired.rooms {
        let tags = managed_tags(&want.tags, deployment, key);
        let Some(have) = rooms.get(key) else {
            room_creates.push(PlanStep::CreateRoom {
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
            room_updates.push(PlanStep::UpdateRoom {
                key: key.clone(),
                arn: have.arn.clone(),
                changes,
                drift,
            });
        }
        let tag_changes = TagChanges::between(
            &have.tags,
            &tags,
            &toolkit_tags::recorded_spec_keys(&have.tags),
        );
        if !tag_changes.is_empty() {
            room_retags.push(PlanStep::Retag {
                resource: ResourceKind::Room,
                key: key.clone(),
                arn: have.arn.clone().into(),
                tags: tag_changes,
            });
        }
    }

    let mut room_deletes = Vec::new();
    for (key, have) in &rooms {
        if desired.rooms.contains_key(key) {
            continue;
        }
        if desired.prune {
            room_deletes.push(PlanStep::DeleteRoom {
                key: key.clone(),
                arn: have.arn.clone(),
                reason: "not in the spec".into(),
            });
        } else {
            plan.warnings.push(format!(
                "rooms.{key} ({}) is not in the spec; kept because prune is off",
                have.arn
            ));
        }
    }
    for (key, dup) in &room_duplicates {
        if desired.prune {
            room_deletes.push(PlanStep::DeleteRoom {
                key: key.clone(),
                arn: dup.arn.clone(),
                reason: "a second managed room with this key".into(),
            });
        } else {
            plan.warnings.push(format!(
                "rooms.{key}: {} is a second managed room with this key; kept because prune is off",
                dup.arn
            ));
        }
    }

    let mut lc_deletes = Vec::new();
    let mut lc_delete = |key: &str, lc: &LoggingConfiguration, reason: &str| {
        let detach_first = current
            .rooms
            .iter()
            .filter(|r| r.logging_configuration_identifiers.contains(&lc.arn))
            .filter_map(|r| r.tags.get(RESOURCE_KEY_TAG).cloned())
            .collect();
        lc_deletes.push(PlanStep::DeleteLoggingConfiguration {
            key: key.to_owned(),
            arn: lc.arn.clone(),
            reason: reason.to_owned(),
            detach_first,
        });
    };
    for (key, have) in &lcs {
        if desired.logging_configurations.contains_key(key) {
            continue;
        }
        if desired.prune {
            lc_delete(key, have, "not in the spec");
        } else {
            plan.warnings.push(format!(
                "loggingConfigurations.{key} ({}) is not in the spec; kept because prune is off",
                have.arn
            ));
        }
    }
    for (key, dup) in &lc_duplicates {
        if desired.prune {
            lc_delete(
                key,
                dup,
                "a second managed logging configuration with this key",
            );
        } else {
            plan.warnings.push(format!(
                "loggingConfigurations.{key}: {} is a second managed configuration with this key; \
                 kept because prune is off",
                dup.arn
            ));
        }
    }

    plan.steps = [
        lc_creates,
        lc_updates,
        lc_retags,
        room_creates,
        room_updates,
        room_retags,
        room_deletes,
        lc_deletes,
    ]
    .into_iter()
    .flatten()
    .collect();
    plan
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
