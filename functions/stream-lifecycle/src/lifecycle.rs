//! Applying one stream event to the room that follows its channel.
//!
//! IVS delivers these events best effort: late, twice, or out of order. Each room remembers the
//! EventBridge `time` of the last event applied to it (in [`LAST_EVENT_TAG`]); an event no newer
//! than that is ignored, so handling is idempotent and a late `Stream Start` cannot reopen a
//! stream that already ended. At an equal time, an End still follows a Start.

use std::collections::BTreeMap;

use ivschat_api::managed::{CHANNEL_TAG, DEPLOYMENT_TAG, RESOURCE_KEY_TAG, is_managed_by};
use ivschat_api::managed::{LAST_EVENT_TAG, STREAM_ENDED_TAG};
use ivschat_api::model::{
    CreateRoomRequest, MessageReviewHandler, RoomSummary, SendEventRequest, TagResourceRequest,
    UntagResourceRequest,
};
use ivschat_api::{DEFAULT_LIST_CAP, IvsChatError, PacedChatClient, RoomArn, validate};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::StreamLifecycleConfig;
use crate::event::{STREAM_STATE_CHANGE, StreamStateChange, StreamTransition, channel_id};

/// Why a stream event could not be applied. Events that are merely not for this function are
/// not errors (see [`StreamEventOutcome`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamEventError {
    /// `resources[0]` is missing or is not an IVS channel ARN.
    #[error("event has no IVS channel ARN in resources[0]")]
    MissingChannel,
    /// An IVS Chat call failed, retries included.
    #[error("{operation} failed: {source}")]
    Chat {
        /// Which step.
        operation: &'static str,
        /// The error.
        #[source]
        source: IvsChatError,
    },
}

impl StreamEventError {
    fn chat(operation: &'static str) -> impl FnOnce(IvsChatError) -> Self {
        move |source| Self::Chat { operation, source }
    }

    /// A stable name for logs and Lambda's `errorType`: retryable failures are worth a retry
    /// (EventBridge retries failed invocations).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MissingChannel => "InvalidEvent",
            Self::Chat { source, .. } if source.is_retryable() => "Retryable",
            Self::Chat { .. } => "ChatCallFailed",
        }
    }
}

/// What was done with one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum StreamEventOutcome {
    /// The event was applied: announced in the room and recorded on it.
    Applied {
        /// The room.
        room_arn: String,
        /// True when the room was created for this event.
        room_created: bool,
        /// The chat event sent.
        chat_event: String,
        /// Younger rooms of the same channel (left by two first events racing) deleted now.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        duplicates_deleted: Vec<String>,
    },
    /// The room has already applied an event at least as new; nothing else was done to it.
    IgnoredStale {
        /// The room.
        room_arn: String,
        /// The time of the last event applied to it.
        last_applied: String,
        /// Younger rooms of the same channel deleted now.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        duplicates_deleted: Vec<String>,
    },
    /// Not an event this function acts on (other detail-type or event name).
    IgnoredEventName {
        /// The detail-type and event name.
        event: String,
    },
    /// The event is about another account's channel.
    IgnoredForeignAccount {
        /// That account.
        account: String,
    },
}

fn rfc3339(time: OffsetDateTime) -> String {
    time.format(&Rfc3339)
        .unwrap_or_else(|_| time.unix_timestamp().to_string())
}

/// Reads a time tag written as RFC 3339 or as unix seconds.
pub fn parse_time_tag(value: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(value, &Rfc3339).ok().or_else(|| {
        value
            .parse::<i64>()
            .ok()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
    })
}

/// Deletes `duplicates`, the younger managed rooms of a channel: every event uses the oldest, so
/// these only exist because two first events raced (IVS Chat has no lock to prevent it). Returns
/// the ARNs deleted (or already gone); a failure is logged and left for the next event or sweep.
pub async fn delete_duplicate_rooms(
    client: &PacedChatClient,
    duplicates: &[RoomSummary],
) -> Vec<String> {
    let mut deleted = Vec::new();
    for room in duplicates {
        match client.delete_room(&room.arn).await.result {
            Err(error) if !error.is_not_found() => {
                tracing::warn!(room = %room.arn, error = %error, "could not delete a duplicate stream room; the next event or sweep retries");
            }
            _ => {
                tracing::info!(room = %room.arn, "deleted a duplicate stream room");
                deleted.push(room.arn.to_string());
            }
        }
    }
    deleted
}

/// The managed rooms following `channel_arn`, oldest first.
pub async fn rooms_for_channel(
    client: &PacedChatClient,
    deployment: &str,
    channel_arn: &str,
) -> Result<Vec<RoomSummary>, IvsChatError> {
    let mut rooms: Vec<RoomSummary> = client
        .list_all_rooms(DEFAULT_LIST_CAP)
        .await?
        .into_iter()
        .filter(|r| {
            is_managed_by(&r.tags, deployment)
                && r.tags.get(CHANNEL_TAG).map(String::as_str) == Some(channel_arn)
        })
        .collect();
    // Oldest first; the ARN breaks a tie the same way everywhere (the sweep agrees).
    rooms.sort_by(|a, b| (a.create_time, &a.arn).cmp(&(b.create_time, &b.arn)));
    Ok(rooms)
}

/// A room name from the channel's name, else `stream-CHANNELID`, within the name rules.
fn room_name(channel_name: &str, channel_arn: &str) -> String {
    let cleaned: String = channel_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(validate::MAX_NAME_LENGTH)
        .collect();
    if cleaned.is_empty() {
        let id: String = channel_id(channel_arn)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .take(validate::MAX_NAME_LENGTH - 7)
            .collect();
        format!("stream-{id}")
    } else {
        cleaned
    }
}

/// True when `event_time` should be applied to a room whose last applied event was at
/// `last` (and which is ended at `ended`, if so).
fn is_newer(
    transition: StreamTransition,
    event_time: OffsetDateTime,
    last: Option<OffsetDateTime>,
    ended: Option<OffsetDateTime>,
) -> bool {
    match last {
        None => true,
        Some(last) if event_time > last => true,
        // Same second: an End after a Start still applies; everything else is a duplicate.
        Some(last) => {
            event_time == last && transition == StreamTransition::End && ended != Some(last)
        }
    }
}

/// Applies one stream event: ensures the channel's managed room, announces the transition in
/// it (SendEvent) and records the event time on it. Stale, duplicate and unrelated events are
/// ignored without error.
pub async fn handle_stream_event(
    client: &PacedChatClient,
    config: &StreamLifecycleConfig,
    event: &StreamStateChange,
) -> Result<StreamEventOutcome, StreamEventError> {
    let transition = (event.detail_type == STREAM_STATE_CHANGE)
        .then(|| StreamTransition::from_event_name(&event.detail.event_name))
        .flatten();
    let Some(transition) = transition else {
        return Ok(StreamEventOutcome::IgnoredEventName {
            event: format!("{} / {}", event.detail_type, event.detail.event_name),
        });
    };
    if let Some(account) = &config.account_id
        && !event.account.is_empty()
        && &event.account != account
    {
        return Ok(StreamEventOutcome::IgnoredForeignAccount {
            account: event.account.clone(),
        });
    }
    let channel = event
        .channel_arn()
        .ok_or(StreamEventError::MissingChannel)?;
    let existing = rooms_for_channel(client, &config.deployment, channel)
        .await
        .map_err(StreamEventError::chat("ListRooms"))?;
    let mut existing = existing.into_iter();
    let (room_arn, tags, room_created) = match existing.next() {
        Some(room) => (room.arn, room.tags, false),
        None => {
            let room = create_stream_room(client, config, event, channel).await?;
            (room.0, room.1, true)
        }
    };
    // Any younger room of the channel is a leftover of a race: converge on the oldest.
    let duplicates: Vec<RoomSummary> = existing.collect();
    let duplicates_deleted = delete_duplicate_rooms(client, &duplicates).await;
    let last = tags.get(LAST_EVENT_TAG).and_then(|t| parse_time_tag(t));
    let ended = tags.get(STREAM_ENDED_TAG).and_then(|t| parse_time_tag(t));
    if !is_newer(transition, event.time, last, ended) {
        return Ok(StreamEventOutcome::IgnoredStale {
            room_arn: room_arn.to_string(),
            last_applied: tags.get(LAST_EVENT_TAG).cloned().unwrap_or_default(),
            duplicates_deleted,
        });
    }
    // Announce first, record second: if recording fails the retried event announces again
    // (at least once) rather than never.
    let announcement = SendEventRequest {
        room: room_arn.clone(),
        event_name: transition.chat_event_name().to_owned(),
        attributes: BTreeMap::from([
            ("channelArn".to_owned(), channel.to_owned()),
            ("channelName".to_owned(), event.detail.channel_name.clone()),
            ("streamId".to_owned(), event.detail.stream_id.clone()),
            ("eventTime".to_owned(), rfc3339(event.time)),
        ]),
    };
    client
        .send_event(&announcement)
        .await
        .result
        .map_err(StreamEventError::chat("SendEvent"))?;
    record_transition(client, &room_arn, transition, event.time, ended.is_some()).await?;
    Ok(StreamEventOutcome::Applied {
        room_arn: room_arn.to_string(),
        room_created,
        chat_event: transition.chat_event_name().to_owned(),
        duplicates_deleted,
    })
}

async fn create_stream_room(
    client: &PacedChatClient,
    config: &StreamLifecycleConfig,
    event: &StreamStateChange,
    channel: &str,
) -> Result<(RoomArn, BTreeMap<String, String>), StreamEventError> {
    let key: String = format!("stream-{}", channel_id(channel))
        .chars()
        .take(validate::MAX_TAG_VALUE_LENGTH)
        .collect();
    let request = CreateRoomRequest {
        name: Some(room_name(&event.detail.channel_name, channel)),
        message_review_handler: config.review_handler_arn.as_ref().map(|uri| {
            MessageReviewHandler {
                uri: uri.clone(),
                fallback_result: Default::default(),
            }
        }),
        tags: BTreeMap::from([
            (DEPLOYMENT_TAG.to_owned(), config.deployment.clone()),
            (RESOURCE_KEY_TAG.to_owned(), key),
            (CHANNEL_TAG.to_owned(), channel.to_owned()),
        ]),
        ..CreateRoomRequest::default()
    };
    let room = client
        .create_room(&request)
        .await
        .result
        .map_err(StreamEventError::chat("CreateRoom"))?;
    tracing::info!(room = %room.arn, channel, "created a room for the channel");
    Ok((room.arn, room.tags))
}

async fn record_transition(
    client: &PacedChatClient,
    room: &RoomArn,
    transition: StreamTransition,
    time: OffsetDateTime,
    was_ended: bool,
) -> Result<(), StreamEventError> {
    let mut tags = BTreeMap::from([(LAST_EVENT_TAG.to_owned(), rfc3339(time))]);
    if transition == StreamTransition::End {
        tags.insert(STREAM_ENDED_TAG.to_owned(), rfc3339(time));
    }
    let tag = TagResourceRequest {
        resource: room.clone().into(),
        tags,
    };
    client
        .tag_resource(&tag)
        .await
        .result
        .map_err(StreamEventError::chat("TagResource"))?;
    if transition == StreamTransition::Start && was_ended {
        let untag = UntagResourceRequest {
            resource: room.clone().into(),
            tag_keys: vec![STREAM_ENDED_TAG.to_owned()],
        };
        client
            .untag_resource(&untag)
            .await
            .result
            .map_err(StreamEventError::chat("UntagResource"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const T1: OffsetDateTime = datetime!(2026-11-26 05:00 UTC);
    const T2: OffsetDateTime = datetime!(2026-11-26 06:00 UTC);

    #[test]
    fn newer_events_apply_and_older_or_equal_ones_do_not() {
        use StreamTransition::{End, Start};
        assert!(is_newer(Start, T1, None, None));
        assert!(is_newer(End, T2, Some(T1), None));
        assert!(
            !is_newer(Start, T1, Some(T2), Some(T2)),
            "late start after end"
        );
        assert!(!is_newer(Start, T1, Some(T1), None), "duplicate start");
        assert!(!is_newer(End, T2, Some(T2), Some(T2)), "duplicate end");
        assert!(
            is_newer(End, T1, Some(T1), None),
            "end in the same second as start"
        );
    }

    #[test]
    fn time_tags_read_rfc3339_and_unix_seconds() {
        assert_eq!(parse_time_tag("2026-11-26T05:00:00Z"), Some(T1));
        assert_eq!(parse_time_tag(&T1.unix_timestamp().to_string()), Some(T1));
        assert_eq!(parse_time_tag("yesterday"), None);
    }

    #[test]
    fn room_names_follow_the_name_rules() {
        let arn = "arn:aws:ivs:us-west-2:123456789012:channel/AbCd1234";
        assert_eq!(room_name("My Show!", arn), "MyShow");
        assert_eq!(room_name("", arn), "stream-AbCd1234");
    }
}
