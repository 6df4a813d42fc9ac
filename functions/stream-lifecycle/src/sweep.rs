//! The scheduled sweep: deletes the managed stream rooms whose stream ended at least the
//! configured delay ago. Rooms of live streams, unmanaged rooms and spec rooms are never
//! touched.

use std::time::Duration;

use ivschat_api::managed::{CHANNEL_TAG, is_managed_by};
use ivschat_api::managed::{LAST_EVENT_TAG, STREAM_ENDED_TAG};
use ivschat_api::{DEFAULT_LIST_CAP, PacedChatClient};
use serde::Serialize;
use time::OffsetDateTime;

use crate::lifecycle::{StreamEventError, parse_time_tag};

/// A room the sweep deleted, would delete, or failed to delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SweptRoom {
    /// The room.
    pub room_arn: String,
    /// The channel it followed.
    pub channel_arn: String,
    /// When its stream ended (the tag's text).
    pub stream_ended_at: String,
    /// `deleted`, `planned` (dry run) or `failed: …`.
    pub status: String,
}

/// What a sweep did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// The configured delay in minutes; `None` means sweeping is off.
    pub delete_after_end_minutes: Option<u64>,
    /// True when nothing was deleted on purpose.
    pub dry_run: bool,
    /// Stream rooms examined.
    pub stream_rooms: usize,
    /// Rooms past the delay.
    pub rooms: Vec<SweptRoom>,
}

/// Deletes (or, in a dry run, lists) the stream rooms of `deployment` whose stream ended at
/// least `delay` before `now`. With no delay configured it does nothing.
pub async fn sweep_ended_rooms(
    client: &PacedChatClient,
    deployment: &str,
    delay: Option<Duration>,
    now: OffsetDateTime,
    dry_run: bool,
) -> Result<SweepReport, StreamEventError> {
    let mut report = SweepReport {
        delete_after_end_minutes: delay.map(|d| d.as_secs() / 60),
        dry_run,
        stream_rooms: 0,
        rooms: Vec::new(),
    };
    let Some(delay) = delay else {
        return Ok(report);
    };
    let rooms = client
        .list_all_rooms(DEFAULT_LIST_CAP)
        .await
        .map_err(|source| StreamEventError::Chat {
            operation: "ListRooms",
            source,
        })?;
    for room in rooms {
        let Some(channel) = room.tags.get(CHANNEL_TAG) else {
            continue;
        };
        if !is_managed_by(&room.tags, deployment) {
            continue;
        }
        report.stream_rooms += 1;
        let Some(ended_text) = room.tags.get(STREAM_ENDED_TAG) else {
            continue;
        };
        let Some(ended) = parse_time_tag(ended_text) else {
            tracing::warn!(room = %room.arn, value = %ended_text, "unreadable stream-ended tag; room kept");
            continue;
        };
        // A stream that restarted after it ended is live again (its Start removes the tag,
        // but be safe if that removal failed).
        let restarted = room
            .tags
            .get(LAST_EVENT_TAG)
            .and_then(|t| parse_time_tag(t))
            .is_some_and(|last| last > ended);
        if restarted || ended + delay > now {
            continue;
        }
        let status = if dry_run {
            "planned".to_owned()
        } else {
            match client.delete_room(&room.arn).await.result {
                Ok(()) => "deleted".to_owned(),
                Err(e) if e.is_not_found() => "deleted".to_owned(),
                Err(e) => format!("failed: {e}"),
            }
        };
        tracing::info!(room = %room.arn, channel = %channel, status = %status, "swept stream room");
        report.rooms.push(SweptRoom {
            room_arn: room.arn.to_string(),
            channel_arn: channel.clone(),
            stream_ended_at: ended_text.clone(),
            status,
        });
    }
    Ok(report)
}
