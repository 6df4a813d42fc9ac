//! The scheduled sweep: deletes the managed stream rooms whose stream ended at least the
//! configured delay ago, and the younger duplicates of any channel's room (left by two first
//! events racing; the oldest room is the one every event uses). Unmanaged rooms, other
//! deployments' rooms and spec rooms are never touched.

use std::collections::BTreeMap;
use std::time::Duration;

use ivschat_api::managed::{CHANNEL_TAG, is_managed_by};
use ivschat_api::managed::{LAST_EVENT_TAG, STREAM_ENDED_TAG};
use ivschat_api::model::RoomSummary;
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
    /// When its stream ended (the tag's text; empty for a duplicate of a live stream's room).
    pub stream_ended_at: String,
    /// Why it goes: `stream ended` or `duplicate of <the channel's oldest room>`.
    pub reason: String,
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
    /// Rooms past the delay, and duplicates.
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
    let stream_rooms: Vec<RoomSummary> = rooms
        .into_iter()
        .filter(|room| room.tags.contains_key(CHANNEL_TAG) && is_managed_by(&room.tags, deployment))
        .collect();
    // The room every event uses: the oldest of each channel.
    let mut oldest: BTreeMap<&str, &RoomSummary> = BTreeMap::new();
    for room in &stream_rooms {
        let channel = room.tags[CHANNEL_TAG].as_str();
        let keep = oldest
            .get(channel)
            .is_none_or(|kept| (room.create_time, &room.arn) < (kept.create_time, &kept.arn));
        if keep {
            oldest.insert(channel, room);
        }
    }
    for room in &stream_rooms {
        let channel = &room.tags[CHANNEL_TAG];
        report.stream_rooms += 1;
        let kept = oldest[channel.as_str()];
        if kept.arn != room.arn {
            let status = delete_unless_dry_run(client, room, dry_run).await;
            tracing::info!(room = %room.arn, channel = %channel, status = %status, "swept a duplicate stream room");
            report.rooms.push(SweptRoom {
                room_arn: room.arn.to_string(),
                channel_arn: channel.clone(),
                stream_ended_at: room.tags.get(STREAM_ENDED_TAG).cloned().unwrap_or_default(),
                reason: format!("duplicate of {}", kept.arn),
                status,
            });
            continue;
        }
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
        let status = delete_unless_dry_run(client, room, dry_run).await;
        tracing::info!(room = %room.arn, channel = %channel, status = %status, "swept stream room");
        report.rooms.push(SweptRoom {
            room_arn: room.arn.to_string(),
            channel_arn: channel.clone(),
            stream_ended_at: ended_text.clone(),
            reason: "stream ended".to_owned(),
            status,
        });
    }
    Ok(report)
}

/// Deletes `room` (a room already gone counts as deleted), or in a dry run only says it would.
async fn delete_unless_dry_run(
    client: &PacedChatClient,
    room: &RoomSummary,
    dry_run: bool,
) -> String {
    if dry_run {
        return "planned".to_owned();
    }
    match client.delete_room(&room.arn).await.result {
        Ok(()) => "deleted".to_owned(),
        Err(e) if e.is_not_found() => "deleted".to_owned(),
        Err(e) => format!("failed: {e}"),
    }
}
