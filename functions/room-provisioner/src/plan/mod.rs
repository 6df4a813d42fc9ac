//! Planning: comparing what the spec asks for with what exists, and listing the steps that close
//! the gap, in the order they must be applied.
//!
//! Planning is a pure function ([`compute_plan`]); it calls nothing, so it is tested without any
//! service. Only drifted fields are updated; tags are added, changed, and removed only when the
//! spec declared them before (see [`SPEC_TAG_KEYS_TAG`]); nothing is deleted unless the spec
//! enables pruning.
//!
//! [`compute_plan`] groups resources by spec key, then asks two planners for their steps:
//! `logging` for logging configurations and `rooms` for rooms, each in two phases (changes,
//! then deletions), and orders the steps so that every step finds what it needs.

use std::collections::BTreeMap;

use ivschat_api::ids::{LoggingConfigurationArn, ResourceArn, RoomArn};
use ivschat_api::managed::{DEPLOYMENT_TAG, RESOURCE_KEY_TAG, SPEC_TAG_KEYS_TAG, join_keys};
pub use ivschat_api::managed::{ResourceKind, TagChanges, ValueChange};
use ivschat_api::model::{Destination, LoggingConfiguration, MessageReviewHandler, Room};
use serde::{Serialize, Serializer};

use crate::inventory::CurrentState;
use crate::spec::DesiredState;

mod logging;
mod rooms;

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
    tags.insert(SPEC_TAG_KEYS_TAG.to_owned(), join_keys(spec_tags.keys()));
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

/// The steps one planner contributes for one kind of resource, by phase.
#[derive(Debug, Default)]
struct PhasedSteps {
    creates: Vec<PlanStep>,
    updates: Vec<PlanStep>,
    retags: Vec<PlanStep>,
    deletes: Vec<PlanStep>,
}

/// Computes the plan that makes `current` match `desired` for `deployment`.
pub fn compute_plan(
    desired: &DesiredState,
    deployment: &str,
    current: &CurrentState,
) -> ReconcilePlan {
    let mut warnings = Vec::new();
    let (lcs, lc_duplicates) = by_key(
        &current.logging_configurations,
        |lc: &LoggingConfiguration| &lc.tags,
        |lc| lc.create_time,
    );
    let (rooms, room_duplicates) = by_key(&current.rooms, |r: &Room| &r.tags, |r| r.create_time);

    // Logging configurations first: rooms attach to them. Warnings keep the order of the
    // phases: logging-configuration changes, room changes, room deletions, then
    // logging-configuration deletions.
    let mut logging = logging::plan_changes(desired, deployment, &lcs, &mut warnings);
    let mut room_steps = rooms::plan_changes(desired, deployment, &rooms, &lcs);
    room_steps.deletes = rooms::plan_deletions(desired, &rooms, &room_duplicates, &mut warnings);
    logging.deletes =
        logging::plan_deletions(desired, current, &lcs, &lc_duplicates, &mut warnings);

    let steps = [
        logging.creates,
        logging.updates,
        logging.retags,
        room_steps.creates,
        room_steps.updates,
        room_steps.retags,
        room_steps.deletes,
        logging.deletes,
    ]
    .into_iter()
    .flatten()
    .collect();
    ReconcilePlan { steps, warnings }
}
