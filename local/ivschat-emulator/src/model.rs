//! The resources the emulator stores, in the service's own terms.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What a chat token lets its holder do beyond receiving (the model's `ChatTokenCapability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Capability {
    /// May publish SendMessage.
    SendMessage,
    /// May publish DisconnectUser.
    DisconnectUser,
    /// May publish DeleteMessage.
    DeleteMessage,
}

impl Capability {
    /// Every capability, in the model's order.
    pub const ALL: [Capability; 3] = [
        Capability::SendMessage,
        Capability::DisconnectUser,
        Capability::DeleteMessage,
    ];

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SendMessage => "SEND_MESSAGE",
            Self::DisconnectUser => "DISCONNECT_USER",
            Self::DeleteMessage => "DELETE_MESSAGE",
        }
    }

    /// Parses a wire value; `None` for anything outside the enum.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

/// What happens to a message when the review handler fails (the model's `FallbackResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FallbackResult {
    /// Deliver the message (the service default).
    #[default]
    Allow,
    /// Drop the message.
    Deny,
}

impl FallbackResult {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "ALLOW",
            Self::Deny => "DENY",
        }
    }

    /// Parses a wire value; `None` for anything outside the enum.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "ALLOW" => Some(Self::Allow),
            "DENY" => Some(Self::Deny),
            _ => None,
        }
    }
}

/// A room's message review handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageReviewHandler {
    /// The Lambda function ARN (never empty: an empty uri removes the handler).
    pub uri: String,
    /// What to do when the handler fails.
    pub fallback_result: FallbackResult,
}

/// A chat room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Room {
    /// 12-character id.
    pub id: String,
    /// `arn:aws:ivschat:REGION:ACCOUNT:room/ID`.
    pub arn: String,
    /// Name, possibly empty; not unique.
    pub name: String,
    /// When the room was created.
    #[serde(with = "time::serde::rfc3339")]
    pub create_time: OffsetDateTime,
    /// When the room was last changed by CreateRoom or UpdateRoom.
    #[serde(with = "time::serde::rfc3339")]
    pub update_time: OffsetDateTime,
    /// Messages per second allowed across all clients.
    pub maximum_message_rate_per_second: i64,
    /// Maximum message length in code points.
    pub maximum_message_length: i64,
    /// The review handler, if one is attached.
    pub message_review_handler: Option<MessageReviewHandler>,
    /// AWS tags.
    pub tags: BTreeMap<String, String>,
    /// Attached logging configuration ARNs (at most 3).
    pub logging_configuration_identifiers: Vec<String>,
}

/// Where a logging configuration sends chat logs (the model's `DestinationConfiguration` union).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Destination {
    /// An S3 bucket.
    S3 {
        /// Bucket name.
        bucket_name: String,
    },
    /// A CloudWatch Logs log group.
    CloudWatchLogs {
        /// Log group name.
        log_group_name: String,
    },
    /// A Kinesis Data Firehose delivery stream.
    Firehose {
        /// Delivery stream name.
        delivery_stream_name: String,
    },
}

/// Lifecycle state of a logging configuration (the model's `LoggingConfigurationState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LoggingConfigurationState {
    /// Being created.
    Creating,
    /// Creation failed.
    CreateFailed,
    /// Being deleted.
    Deleting,
    /// Deletion failed.
    DeleteFailed,
    /// Being updated.
    Updating,
    /// Update failed.
    UpdateFailed,
    /// Usable. The emulator creates and updates configurations straight into this state.
    Active,
}

impl LoggingConfigurationState {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "CREATING",
            Self::CreateFailed => "CREATE_FAILED",
            Self::Deleting => "DELETING",
            Self::DeleteFailed => "DELETE_FAILED",
            Self::Updating => "UPDATING",
            Self::UpdateFailed => "UPDATE_FAILED",
            Self::Active => "ACTIVE",
        }
    }
}

/// A logging configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggingConfiguration {
    /// 12-character id.
    pub id: String,
    /// `arn:aws:ivschat:REGION:ACCOUNT:logging-configuration/ID`.
    pub arn: String,
    /// Name, possibly empty; not unique.
    pub name: String,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub create_time: OffsetDateTime,
    /// When it was last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub update_time: OffsetDateTime,
    /// Where logs go.
    pub destination_configuration: Destination,
    /// Lifecycle state.
    pub state: LoggingConfigurationState,
    /// AWS tags.
    pub tags: BTreeMap<String, String>,
}

/// Which moderation or event call a journal entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JournalAction {
    /// A DeleteMessage call.
    DeleteMessage,
    /// A DisconnectUser call.
    DisconnectUser,
    /// A SendEvent call.
    SendEvent,
    /// A message sent over the WebSocket and reviewed by the room's review handler.
    ReviewMessage,
}

/// How one message review went: who reviewed it, how long it took, what was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewRecord {
    /// The room's review handler uri.
    pub function_arn: String,
    /// From the invocation to the answer (or to giving up), in microseconds.
    pub latency_micros: u64,
    /// What was applied: the handler's ReviewResult, or the room's fallbackResult.
    pub result: ivschat_api::review::ReviewResult,
    /// Whether the fallbackResult decided (timeout, function error or invalid reply).
    pub fallback_applied: bool,
    /// Why the fallback applied.
    pub failure: Option<String>,
}

/// One accepted DeleteMessage, DisconnectUser or SendEvent call, or one message review, as tests
/// read it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// Position in the journal, starting at 1.
    pub sequence: u64,
    /// Which call.
    pub action: JournalAction,
    /// The operation id the call returned (DisconnectUser returns none on the wire, but gets one here).
    pub operation_id: String,
    /// The room's ARN.
    pub room_arn: String,
    /// DisconnectUser: the disconnected user; ReviewMessage: the sender.
    pub user_id: Option<String>,
    /// DeleteMessage: the deleted message's id; ReviewMessage: the reviewed message's id.
    pub message_id: Option<String>,
    /// SendEvent: the event name.
    pub event_name: Option<String>,
    /// DeleteMessage / DisconnectUser: the reason given; ReviewMessage: a DENY's reason.
    pub reason: Option<String>,
    /// SendEvent: the event attributes.
    pub attributes: BTreeMap<String, String>,
    /// When the call was accepted.
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    /// ReviewMessage: how the review went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewRecord>,
}
