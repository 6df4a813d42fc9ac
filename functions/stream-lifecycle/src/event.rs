//! The EventBridge `IVS Stream State Change` event (docs/ivs-chat.md §6): the channel ARN is in
//! `resources[0]`, what happened in `detail.event_name`. Other detail keys are ignored, since
//! IVS adds new ones over time.
//!
//! The envelope is read with `aws_lambda_events`' [`EventBridgeEvent`] (the shape AWS
//! delivers), then checked into a [`StreamStateChange`], which has every field this function
//! relies on (an event without a `time` cannot be ordered, so it is refused).

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The detail-type this function handles.
pub const STREAM_STATE_CHANGE: &str = "IVS Stream State Change";

/// The EventBridge event as AWS delivers it, with IVS's stream-state detail.
pub type StreamStateChangeEvent = EventBridgeEvent<StreamStateDetail>;

/// An EventBridge event from IVS about a channel's stream, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamStateChange {
    /// `IVS Stream State Change` for the events this function acts on.
    pub detail_type: String,
    /// `aws.ivs`.
    pub source: String,
    /// The account the channel is in (empty when the event does not say).
    pub account: String,
    /// When IVS says it happened; events are ordered by this, not by arrival.
    pub time: OffsetDateTime,
    /// `resources[0]` is the channel ARN.
    pub resources: Vec<String>,
    /// What happened.
    pub detail: StreamStateDetail,
}

impl TryFrom<StreamStateChangeEvent> for StreamStateChange {
    type Error = String;

    /// Fails, naming the field, when the event has no `time` (or one out of range).
    fn try_from(event: StreamStateChangeEvent) -> Result<Self, Self::Error> {
        let time = event
            .time
            .and_then(|t| t.timestamp_nanos_opt())
            .and_then(|nanos| OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos)).ok())
            .ok_or_else(|| "missing or unreadable field `time`".to_owned())?;
        Ok(Self {
            detail_type: event.detail_type,
            source: event.source,
            account: event.account.unwrap_or_default(),
            time,
            resources: event.resources.unwrap_or_default(),
            detail: event.detail,
        })
    }
}

/// The `detail` of a stream state change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StreamStateDetail {
    /// `Stream Start`, `Stream End`, `Session Created`, `Session Ended`, `Stream Failure`.
    pub event_name: String,
    /// The channel's name (may be empty).
    #[serde(default)]
    pub channel_name: String,
    /// The stream's id (`st-…`).
    #[serde(default)]
    pub stream_id: String,
}

/// The stream transitions this function acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamTransition {
    /// `Stream Start`: the channel went live.
    Start,
    /// `Stream End`: the channel stopped.
    End,
}

impl StreamTransition {
    /// The transition named by `event_name`, if it is one this function acts on.
    pub fn from_event_name(event_name: &str) -> Option<Self> {
        match event_name {
            "Stream Start" => Some(Self::Start),
            "Stream End" => Some(Self::End),
            _ => None,
        }
    }

    /// The chat event name sent to the room.
    pub fn chat_event_name(self) -> &'static str {
        match self {
            Self::Start => "app:stream_start",
            Self::End => "app:stream_end",
        }
    }
}

impl StreamStateChange {
    /// The channel ARN (`resources[0]`), if it looks like an IVS channel ARN.
    pub fn channel_arn(&self) -> Option<&str> {
        self.resources
            .first()
            .map(String::as_str)
            .filter(|arn| arn.starts_with("arn:") && arn.contains(":channel/"))
    }
}

/// The last segment of a channel ARN (`arn:aws:ivs:…:channel/AbCd` → `AbCd`).
pub fn channel_id(channel_arn: &str) -> &str {
    channel_arn
        .rsplit_once('/')
        .map_or(channel_arn, |(_, id)| id)
}
