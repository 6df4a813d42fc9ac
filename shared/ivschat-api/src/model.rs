//! Requests and results of the IVS Chat operations, in this crate's own types.
//!
//! Requests carry typed identifiers (already valid) and check their remaining fields in
//! `validate()`, which [`crate::ChatClient`] calls before anything is sent. Results are plain
//! data that serialize in the service's lowerCamelCase with RFC 3339 timestamps.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{LoggingConfigurationArn, ResourceArn, RoomArn};
use crate::validate::{self, Violation};

/// A right a chat token grants beyond receiving messages and events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Capability {
    /// May send messages.
    SendMessage,
    /// May disconnect users over the WebSocket.
    DisconnectUser,
    /// May delete messages over the WebSocket.
    DeleteMessage,
}

impl Capability {
    /// All capabilities, in the service's order.
    pub const ALL: [Capability; 3] = [Self::SendMessage, Self::DisconnectUser, Self::DeleteMessage];

    /// The wire spelling (`SEND_MESSAGE`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SendMessage => "SEND_MESSAGE",
            Self::DisconnectUser => "DISCONNECT_USER",
            Self::DeleteMessage => "DELETE_MESSAGE",
        }
    }

    /// Parses the wire spelling, naming `field` in the error.
    pub fn parse(field: &str, value: &str) -> Result<Self, Violation> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == value)
            .ok_or_else(|| {
                Violation::new(
                    field,
                    "must be one of SEND_MESSAGE, DISCONNECT_USER, DELETE_MESSAGE",
                )
            })
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What IVS Chat does with a message when the review handler fails or times out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum FallbackResult {
    /// Deliver the message (the service default: fail open).
    #[default]
    Allow,
    /// Drop the message (fail closed).
    Deny,
}

impl FallbackResult {
    /// The wire spelling, `ALLOW` or `DENY`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "ALLOW",
            Self::Deny => "DENY",
        }
    }
}

/// The Lambda function that reviews a room's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageReviewHandler {
    /// The function ARN; empty removes the handler (UpdateRoom).
    pub uri: String,
    /// What happens when the handler fails.
    #[serde(default)]
    pub fallback_result: FallbackResult,
}

impl MessageReviewHandler {
    /// Checks the URI's length and shape.
    pub fn validate(&self, field: &str) -> Result<(), Violation> {
        validate::message_review_handler_uri(&format!("{field}.uri"), &self.uri)
    }
}

/// Where a logging configuration sends a room's messages and events.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Destination {
    /// An S3 bucket.
    S3 {
        /// The bucket's name.
        #[serde(rename = "bucketName")]
        bucket_name: String,
    },
    /// A CloudWatch Logs group.
    CloudWatchLogs {
        /// The log group's name.
        #[serde(rename = "logGroupName")]
        log_group_name: String,
    },
    /// A Kinesis Data Firehose delivery stream.
    Firehose {
        /// The stream's name.
        #[serde(rename = "deliveryStreamName")]
        delivery_stream_name: String,
    },
}

impl Destination {
    /// Checks the destination's name against its kind's length and pattern.
    pub fn validate(&self, field: &str) -> Result<(), Violation> {
        match self {
            Self::S3 { bucket_name } => {
                validate::destination_configuration(field, Some(bucket_name), None, None)
            }
            Self::CloudWatchLogs { log_group_name } => {
                validate::destination_configuration(field, None, Some(log_group_name), None)
            }
            Self::Firehose {
                delivery_stream_name,
            } => validate::destination_configuration(field, None, None, Some(delivery_stream_name)),
        }
    }
}

/// The lifecycle state of a logging configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// The update failed.
    UpdateFailed,
    /// Ready for use.
    Active,
}

/// A chat token and when it and its session expire. Its `Debug` form hides the token, so it is
/// safe to log.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatToken {
    /// The secret token a client presents once to connect.
    pub token: String,
    /// The token must be used before this instant.
    #[serde(with = "time::serde::rfc3339")]
    pub token_expiration_time: OffsetDateTime,
    /// A connection made with the token ends at this instant.
    #[serde(with = "time::serde::rfc3339")]
    pub session_expiration_time: OffsetDateTime,
}

impl fmt::Debug for ChatToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatToken")
            .field("token", &"<redacted>")
            .field("token_expiration_time", &self.token_expiration_time)
            .field("session_expiration_time", &self.session_expiration_time)
            .finish()
    }
}

/// A room with all its settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Room {
    /// The room's ARN.
    pub arn: RoomArn,
    /// The room's 12-character id.
    pub id: String,
    /// The room's name (not unique; may be empty).
    pub name: String,
    /// When the room was created.
    #[serde(with = "time::serde::rfc3339")]
    pub create_time: OffsetDateTime,
    /// When the room last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub update_time: OffsetDateTime,
    /// Messages per second the room accepts from all clients together.
    pub maximum_message_rate_per_second: i64,
    /// Longest message, in code points.
    pub maximum_message_length: i64,
    /// The review handler, if any.
    pub message_review_handler: Option<MessageReviewHandler>,
    /// The room's tags.
    pub tags: BTreeMap<String, String>,
    /// Logging configurations attached to the room.
    pub logging_configuration_identifiers: Vec<LoggingConfigurationArn>,
}

/// A room as ListRooms reports it (no rate or length limits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomSummary {
    /// The room's ARN.
    pub arn: RoomArn,
    /// The room's 12-character id.
    pub id: String,
    /// The room's name.
    pub name: String,
    /// When the room was created.
    #[serde(with = "time::serde::rfc3339")]
    pub create_time: OffsetDateTime,
    /// When the room last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub update_time: OffsetDateTime,
    /// The review handler, if any.
    pub message_review_handler: Option<MessageReviewHandler>,
    /// The room's tags.
    pub tags: BTreeMap<String, String>,
    /// Logging configurations attached to the room.
    pub logging_configuration_identifiers: Vec<LoggingConfigurationArn>,
}

/// A logging configuration (GetLoggingConfiguration and list results carry the same fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggingConfiguration {
    /// The configuration's ARN.
    pub arn: LoggingConfigurationArn,
    /// Its 12-character id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Where it delivers.
    pub destination_configuration: Destination,
    /// Its lifecycle state.
    pub state: LoggingConfigurationState,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub create_time: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub update_time: OffsetDateTime,
}

/// CreateChatToken input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateChatTokenRequest {
    /// The room the token admits to.
    pub room: RoomArn,
    /// Who the holder is (1–128 code points).
    pub user_id: String,
    /// What the holder may do besides reading.
    pub capabilities: Vec<Capability>,
    /// Session length in minutes (1–180; the service defaults to 60).
    pub session_duration_in_minutes: Option<i64>,
    /// Attributes shown with the holder's messages (≤ 1 KB in total).
    pub attributes: BTreeMap<String, String>,
}

impl CreateChatTokenRequest {
    /// A request for a read-only token for `user_id` in `room`.
    pub fn new(room: RoomArn, user_id: impl Into<String>) -> Self {
        Self {
            room,
            user_id: user_id.into(),
            capabilities: Vec::new(),
            session_duration_in_minutes: None,
            attributes: BTreeMap::new(),
        }
    }

    /// Checks every field against the service's constraints.
    pub fn validate(&self) -> Result<(), Violation> {
        validate::user_id("userId", &self.user_id)?;
        if let Some(minutes) = self.session_duration_in_minutes {
            validate::session_duration_in_minutes("sessionDurationInMinutes", minutes)?;
        }
        validate::attributes("attributes", &self.attributes)
    }
}

/// CreateRoom input; unset fields take the service defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateRoomRequest {
    /// The room's name (0–128 of `[a-zA-Z0-9-_]`).
    pub name: Option<String>,
    /// Messages per second from all clients (1–100; default 10).
    pub maximum_message_rate_per_second: Option<i64>,
    /// Longest message in code points (1–500; default 500).
    pub maximum_message_length: Option<i64>,
    /// The review handler.
    pub message_review_handler: Option<MessageReviewHandler>,
    /// Tags (≤ 50).
    pub tags: BTreeMap<String, String>,
    /// Logging configurations to attach (≤ 3).
    pub logging_configuration_identifiers: Vec<LoggingConfigurationArn>,
}

impl CreateRoomRequest {
    /// Checks every field against the service's constraints.
    pub fn validate(&self) -> Result<(), Violation> {
        validate_room_settings(
            self.name.as_deref(),
            self.maximum_message_rate_per_second,
            self.maximum_message_length,
            self.message_review_handler.as_ref(),
            Some(&self.logging_configuration_identifiers),
        )?;
        validate::tags("tags", &self.tags)
    }
}

/// UpdateRoom input; unset fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateRoomRequest {
    /// The room to change.
    pub room: RoomArn,
    /// A new name.
    pub name: Option<String>,
    /// A new message rate (1–100).
    pub maximum_message_rate_per_second: Option<i64>,
    /// A new message length (1–500).
    pub maximum_message_length: Option<i64>,
    /// A new handler; an empty `uri` removes the handler.
    pub message_review_handler: Option<MessageReviewHandler>,
    /// The complete new list of logging configurations (≤ 3); `Some(vec![])` detaches all.
    pub logging_configuration_identifiers: Option<Vec<LoggingConfigurationArn>>,
}

impl UpdateRoomRequest {
    /// A request that changes nothing yet on `room`.
    pub fn new(room: RoomArn) -> Self {
        Self {
            room,
            name: None,
            maximum_message_rate_per_second: None,
            maximum_message_length: None,
            message_review_handler: None,
            logging_configuration_identifiers: None,
        }
    }

    /// Checks every field against the service's constraints.
    pub fn validate(&self) -> Result<(), Violation> {
        validate_room_settings(
            self.name.as_deref(),
            self.maximum_message_rate_per_second,
            self.maximum_message_length,
            self.message_review_handler.as_ref(),
            self.logging_configuration_identifiers.as_ref(),
        )
    }
}

fn validate_room_settings(
    name: Option<&str>,
    rate: Option<i64>,
    length: Option<i64>,
    handler: Option<&MessageReviewHandler>,
    logging: Option<&Vec<LoggingConfigurationArn>>,
) -> Result<(), Violation> {
    if let Some(name) = name {
        validate::resource_name("name", name)?;
    }
    if let Some(rate) = rate {
        validate::maximum_message_rate_per_second("maximumMessageRatePerSecond", rate)?;
    }
    if let Some(length) = length {
        validate::maximum_message_length("maximumMessageLength", length)?;
    }
    if let Some(handler) = handler {
        handler.validate("messageReviewHandler")?;
    }
    if let Some(logging) = logging
        && logging.len() > validate::MAX_LOGGING_CONFIGURATIONS_PER_ROOM
    {
        return Err(Violation::new(
            "loggingConfigurationIdentifiers",
            "must have at most 3 logging configurations",
        ));
    }
    Ok(())
}

/// ListRooms filters and page size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListRoomsRequest {
    /// Only rooms with exactly this name.
    pub name: Option<String>,
    /// Only rooms reviewed by this handler URI.
    pub message_review_handler_uri: Option<String>,
    /// Only rooms attached to this logging configuration.
    pub logging_configuration_identifier: Option<LoggingConfigurationArn>,
    /// Page size (1–50; default 50).
    pub max_results: Option<i64>,
}

impl ListRoomsRequest {
    /// Checks every field against the service's constraints.
    pub fn validate(&self) -> Result<(), Violation> {
        if let Some(name) = &self.name {
            validate::resource_name("name", name)?;
        }
        if let Some(uri) = &self.message_review_handler_uri {
            validate::message_review_handler_uri("messageReviewHandlerUri", uri)?;
        }
        if let Some(max) = self.max_results {
            validate::max_results("maxResults", max)?;
        }
        Ok(())
    }
}

/// One page of ListRooms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomPage {
    /// The rooms on this page, most recently updated first.
    pub rooms: Vec<RoomSummary>,
    /// The token for the next page, if there is one.
    pub next_token: Option<String>,
}

/// One page of ListLoggingConfigurations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggingConfigurationPage {
    /// The logging configurations on this page.
    pub logging_configurations: Vec<LoggingConfiguration>,
    /// The token for the next page, if there is one.
    pub next_token: Option<String>,
}

/// DeleteMessage input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteMessageRequest {
    /// The room the message was sent in.
    pub room: RoomArn,
    /// The message's 12-character id.
    pub message_id: String,
    /// Why (1–256 code points), shown to clients.
    pub reason: Option<String>,
}

impl DeleteMessageRequest {
    /// Checks every field against the service's constraints.
    pub fn validate(&self) -> Result<(), Violation> {
        validate::message_id("id", &self.message_id)?;
        if let Some(reason) = &self.reason {
            validate::reason("reason", reason)?;
        }
        Ok(())
    }
}

/// DisconnectUser input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisconnectUserRequest {
    /// The room to disconnect the user from.
    pub room: RoomArn,
    /// The user; every connection of theirs is closed.
    pub user_id: String,
    /// Why (1–256 code points), shown to clients.
    pub reason: Option<String>,
}

impl DisconnectUserRequest {
    /// Checks every field against the service's constraints.
    pub fn validate(&self) -> Result<(), Violation> {
        validate::user_id("userId", &self.user_id)?;
        if let Some(reason) = &self.reason {
            validate::reason("reason", reason)?;
        }
        Ok(())
    }
}

/// SendEvent input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendEventRequest {
    /// The room to send to.
    pub room: RoomArn,
    /// The application-defined event name (1–100 code points).
    pub event_name: String,
    /// Event attributes (≤ 1 KB in total).
    pub attributes: BTreeMap<String, String>,
}

impl SendEventRequest {
    /// Checks every field against the service's constraints.
    pub fn validate(&self) -> Result<(), Violation> {
        validate::event_name("eventName", &self.event_name)?;
        validate::attributes("attributes", &self.attributes)
    }
}

/// TagResource input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagResourceRequest {
    /// The room or logging configuration to tag.
    pub resource: ResourceArn,
    /// Tags to add or overwrite (≤ 50).
    pub tags: BTreeMap<String, String>,
}

impl TagResourceRequest {
    /// Checks every field against the service's constraints.
    pub fn validate(&self) -> Result<(), Violation> {
        validate::tags("tags", &self.tags)
    }
}

/// UntagResource input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UntagResourceRequest {
    /// The room or logging configuration to untag.
    pub resource: ResourceArn,
    /// Keys to remove (1–50, each 1–128 characters).
    pub tag_keys: Vec<String>,
}

impl UntagResourceRequest {
    /// Checks every field against the service's constraints.
    pub fn validate(&self) -> Result<(), Violation> {
        if self.tag_keys.is_empty() {
            return Err(Violation::new("tagKeys", "must name at least one key"));
        }
        validate::tag_keys("tagKeys", &self.tag_keys)
    }
}

/// CreateLoggingConfiguration input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateLoggingConfigurationRequest {
    /// The configuration's name (0–128 of `[a-zA-Z0-9-_]`).
    pub name: Option<String>,
    /// Where to deliver.
    pub destination: Destination,
    /// Tags (≤ 50).
    pub tags: BTreeMap<String, String>,
}

impl CreateLoggingConfigurationRequest {
    /// Checks every field against the service's constraints.
    pub fn validate(&self) -> Result<(), Violation> {
        if let Some(name) = &self.name {
            validate::resource_name("name", name)?;
        }
        self.destination.validate("destinationConfiguration")?;
        validate::tags("tags", &self.tags)
    }
}

/// UpdateLoggingConfiguration input; unset fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateLoggingConfigurationRequest {
    /// The configuration to change.
    pub logging_configuration: LoggingConfigurationArn,
    /// A new name.
    pub name: Option<String>,
    /// A new destination.
    pub destination: Option<Destination>,
}

impl UpdateLoggingConfigurationRequest {
    /// Checks every field against the service's constraints.
    pub fn validate(&self) -> Result<(), Violation> {
        if let Some(name) = &self.name {
            validate::resource_name("name", name)?;
        }
        if let Some(destination) = &self.destination {
            destination.validate("destinationConfiguration")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room() -> RoomArn {
        "arn:aws:ivschat:us-east-1:123456789012:room/abcdEFGH1234"
            .parse()
            .expect("valid")
    }

    #[test]
    fn chat_token_debug_hides_the_token() {
        let token = ChatToken {
            token: "secret-token-value".into(),
            token_expiration_time: OffsetDateTime::UNIX_EPOCH,
            session_expiration_time: OffsetDateTime::UNIX_EPOCH,
        };
        let shown = format!("{token:?}");
        assert!(!shown.contains("secret-token-value"));
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn capability_parse_names_the_allowed_values() {
        assert_eq!(
            Capability::parse("c", "SEND_MESSAGE"),
            Ok(Capability::SendMessage)
        );
        let err = Capability::parse("capabilities", "BAN_USER").expect_err("unknown");
        assert_eq!(err.field, "capabilities");
        assert!(err.rule.contains("DELETE_MESSAGE"));
    }

    #[test]
    fn create_room_rejects_a_fourth_logging_configuration() {
        let lc: LoggingConfigurationArn =
            "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/abcdEFGH1234"
                .parse()
                .expect("valid");
        let mut request = CreateRoomRequest {
            logging_configuration_identifiers: vec![lc.clone(); 3],
            ..Default::default()
        };
        assert!(request.validate().is_ok());
        request.logging_configuration_identifiers.push(lc);
        assert_eq!(
            request.validate().expect_err("four").field,
            "loggingConfigurationIdentifiers"
        );
    }

    #[test]
    fn handler_uri_errors_name_the_nested_field() {
        let request = CreateRoomRequest {
            message_review_handler: Some(MessageReviewHandler {
                uri: "not-an-arn".into(),
                fallback_result: FallbackResult::Deny,
            }),
            ..Default::default()
        };
        assert_eq!(
            request.validate().expect_err("bad uri").field,
            "messageReviewHandler.uri"
        );
    }

    #[test]
    fn untag_requires_at_least_one_key() {
        let request = UntagResourceRequest {
            resource: room().into(),
            tag_keys: vec![],
        };
        assert_eq!(request.validate().expect_err("empty").field, "tagKeys");
    }

    #[test]
    fn destination_serializes_as_the_service_union() {
        let destination = Destination::CloudWatchLogs {
            log_group_name: "chat".into(),
        };
        assert_eq!(
            serde_json::to_string(&destination).expect("serializes"),
            r#"{"cloudWatchLogs":{"logGroupName":"chat"}}"#
        );
    }
}
