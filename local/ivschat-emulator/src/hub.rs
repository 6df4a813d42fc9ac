//! Live rooms: who is connected where, delivery to everyone in a room, the room message rate,
//! single-use tokens and the connection cap.
//!
//! Delivery never waits on a client: each connection has a bounded queue drained by its own
//! writer task, and a connection whose queue is full is cut off, so a slow or stalled client
//! cannot hold up the others. Frames for one room are queued under one lock, so every member
//! sees the room's frames in the same order.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;
use time::OffsetDateTime;
use tokio::sync::{mpsc, watch};

use crate::chatlog::{ChatLog, RecordType};
use crate::model::Destination;

/// WebSocket close code for a normal close (disconnect, session end, room deleted).
pub const CLOSE_NORMAL: u16 = 1000;
/// WebSocket close code for a client cut off for not reading its frames.
pub const CLOSE_TOO_SLOW: u16 = 1008;

/// What a connection's writer sends next.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A text frame.
    Frame(Utf8Bytes),
    /// A close frame, after which the connection ends.
    Close {
        /// The close code.
        code: u16,
        /// Why.
        reason: String,
    },
}

/// Why a connection must stop at once (it is not reading, or the emulator is stopping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cutoff {
    /// The close code to attempt.
    pub code: u16,
    /// Why.
    pub reason: String,
}

#[derive(Debug)]
struct Member {
    user_id: String,
    outbound: mpsc::Sender<Outbound>,
    cutoff: watch::Sender<Option<Cutoff>>,
}

#[derive(Debug, Default)]
struct LiveRoom {
    members: HashMap<u64, Member>,
    recent_sends: VecDeque<Instant>,
}

/// A connection's place in the hub.
#[derive(Debug)]
pub struct Membership {
    /// The connection id.
    pub id: u64,
    /// Frames to write.
    pub outbound: mpsc::Receiver<Outbound>,
    /// Set when the connection must stop at once.
    pub cutoff: watch::Receiver<Option<Cutoff>>,
}

/// A frame to deliver to a room, and how to log it.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The frame's JSON.
    pub frame: String,
    /// MESSAGE or EVENT, for the chat log.
    pub kind: RecordType,
    /// When IVS Chat received it.
    pub received: OffsetDateTime,
}

/// All live rooms.
#[derive(Debug)]
pub struct ChatHub {
    rooms: Mutex<HashMap<String, LiveRoom>>,
    used_tokens: Mutex<HashMap<String, OffsetDateTime>>,
    connections: AtomicUsize,
    next_id: AtomicU64,
    queue_capacity: usize,
    log: ChatLog,
}

/// Why a connection could not be admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdmitError {
    /// The token was used before.
    TokenReused,
    /// The connection cap is reached.
    TooManyConnections,
}

impl ChatHub {
    /// A hub whose connections queue at most `queue_capacity` frames, logging to `log`.
    pub fn new(queue_capacity: usize, log: ChatLog) -> Self {
        Self {
            rooms: Mutex::new(HashMap::new()),
            used_tokens: Mutex::new(HashMap::new()),
            connections: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            queue_capacity: queue_capacity.max(1),
            log,
        }
    }

    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<String, LiveRoom>> {
        // Every change below is a single insert or remove, so a poisoned lock holds consistent data.
        self.rooms
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The number of open connections.
    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Reserves a connection slot and spends the token, unless the cap is reached or the token
    /// was used already. Pair with [`ChatHub::release`] when the connection ends.
    pub fn admit(
        &self,
        token_id: &str,
        token_expires: OffsetDateTime,
        now: OffsetDateTime,
        max_connections: usize,
    ) -> Result<(), AdmitError> {
        let mut used = self
            .used_tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if used.contains_key(token_id) {
            return Err(AdmitError::TokenReused);
        }
        let reserved = self
            .connections
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |count| {
                (count < max_connections).then_some(count + 1)
            });
        if reserved.is_err() {
            return Err(AdmitError::TooManyConnections);
        }
        // Expired tokens can never be presented again, so they need not be remembered.
        used.retain(|_, expires| *expires > now);
        used.insert(token_id.to_owned(), token_expires);
        Ok(())
    }

    /// Frees the slot [`ChatHub::admit`] reserved.
    pub fn release(&self) {
        let _ = self
            .connections
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |count| {
                count.checked_sub(1)
            });
    }

    /// Adds a connection of `user_id` to a room.
    pub fn join(&self, room_arn: &str, user_id: &str) -> Membership {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let (outbound_tx, outbound) = mpsc::channel(self.queue_capacity);
        let (cutoff_tx, cutoff) = watch::channel(None);
        self.rooms()
            .entry(room_arn.to_owned())
            .or_default()
            .members
            .insert(
                id,
                Member {
                    user_id: user_id.to_owned(),
                    outbound: outbound_tx,
                    cutoff: cutoff_tx,
                },
            );
        Membership {
            id,
            outbound,
            cutoff,
        }
    }

    /// Removes a connection (idempotent).
    pub fn leave(&self, room_arn: &str, id: u64) {
        let mut rooms = self.rooms();
        if let Some(room) = rooms.get_mut(room_arn) {
            room.members.remove(&id);
            if room.members.is_empty() {
                rooms.remove(room_arn);
            }
        }
    }

    /// Counts one SEND_MESSAGE against the room's rate (messages per second, across all its
    /// clients); `false` when the last second already holds `rate_per_second` of them.
    pub fn try_send_slot(&self, room_arn: &str, rate_per_second: usize) -> bool {
        let mut rooms = self.rooms();
        let Some(room) = rooms.get_mut(room_arn) else {
            return true;
        };
        let now = Instant::now();
        let window = Duration::from_secs(1);
        let sends = &mut room.recent_sends;
        while sends
            .front()
            .is_some_and(|sent| now.duration_since(*sent) >= window)
        {
            sends.pop_front();
        }
        if sends.len() >= rate_per_second {
            return false;
        }
        sends.push_back(now);
        true
    }

    fn offer(member: &Member, item: Outbound) -> bool {
        match member.outbound.try_send(item) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Closed(_)) => false,
            Err(mpsc::error::TrySendError::Full(_)) => {
                let _ = member.cutoff.send(Some(Cutoff {
                    code: CLOSE_TOO_SLOW,
                    reason: "client is not reading its frames".into(),
                }));
                false
            }
        }
    }

    /// Queues a frame for every connection in the room and logs it to the room's logging
    /// destinations. Connections whose queue is full are cut off and dropped from the room.
    pub fn deliver(&self, room_arn: &str, delivery: &Delivery, destinations: &[Destination]) {
        let frame = Utf8Bytes::from(delivery.frame.clone());
        let mut rooms = self.rooms();
        if let Some(room) = rooms.get_mut(room_arn) {
            room.members
                .retain(|_, member| Self::offer(member, Outbound::Frame(frame.clone())));
        }
        // Logged under the same lock, so the log keeps the order clients saw.
        self.log.append(
            destinations,
            room_arn,
            delivery.kind,
            delivery.received,
            &delivery.frame,
        );
    }

    /// Queues a frame for one connection (an ERROR for its sender); cuts it off if its queue is
    /// full.
    pub fn send_to(&self, room_arn: &str, id: u64, frame: String) {
        let mut rooms = self.rooms();
        if let Some(room) = rooms.get_mut(room_arn)
            && let Some(member) = room.members.get(&id)
            && !Self::offer(member, Outbound::Frame(Utf8Bytes::from(frame)))
        {
            room.members.remove(&id);
        }
    }

    fn close_where(&self, room_arn: &str, reason: &str, matches: impl Fn(&Member) -> bool) {
        let mut rooms = self.rooms();
        if let Some(room) = rooms.get_mut(room_arn) {
            room.members.retain(|_, member| {
                if matches(member) {
                    let _ = Self::offer(
                        member,
                        Outbound::Close {
                            code: CLOSE_NORMAL,
                            reason: reason.to_owned(),
                        },
                    );
                    false
                } else {
                    true
                }
            });
        }
    }

    /// Closes one connection after the frames already queued, and drops it from the room.
    pub fn close_connection(&self, room_arn: &str, id: u64, code: u16, reason: &str) {
        let mut rooms = self.rooms();
        if let Some(room) = rooms.get_mut(room_arn)
            && let Some(member) = room.members.remove(&id)
        {
            let _ = Self::offer(
                &member,
                Outbound::Close {
                    code,
                    reason: reason.to_owned(),
                },
            );
        }
    }

    /// Whether delivered frames are written to chat logs (`--log-dir` is set).
    pub fn logging_enabled(&self) -> bool {
        self.log.enabled()
    }

    /// Closes every connection of `user_id` in the room, after the frames already queued.
    pub fn disconnect_user(&self, room_arn: &str, user_id: &str, reason: &str) {
        self.close_where(room_arn, reason, |member| member.user_id == user_id);
    }

    /// Closes every connection in the room (it was deleted).
    pub fn close_room(&self, room_arn: &str, reason: &str) {
        self.close_where(room_arn, reason, |_| true);
    }

    /// Cuts off every connection at once (the emulator is stopping or was reset).
    pub fn close_all(&self, reason: &str) {
        let mut rooms = self.rooms();
        for (_, room) in rooms.drain() {
            for member in room.members.values() {
                let _ = member.cutoff.send(Some(Cutoff {
                    code: CLOSE_NORMAL,
                    reason: reason.to_owned(),
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: &str = "arn:aws:ivschat:us-east-1:123456789012:room/abcDEF123456";

    fn delivery(text: &str) -> Delivery {
        Delivery {
            frame: text.to_owned(),
            kind: RecordType::Message,
            received: OffsetDateTime::now_utc(),
        }
    }

    #[test]
    fn cuts_off_a_member_whose_queue_is_full_and_keeps_delivering_to_the_rest() {
        // GIVEN a hub with two-frame queues and two members, one of which never reads
        let hub = ChatHub::new(2, ChatLog::default());
        let mut reader = hub.join(ROOM, "alice");
        let stalled = hub.join(ROOM, "bob");
        // WHEN five frames are delivered, the reader draining as they come
        let mut received = Vec::new();
        for n in 0..5 {
            hub.deliver(ROOM, &delivery(&n.to_string()), &[]);
            while let Ok(Outbound::Frame(text)) = reader.outbound.try_recv() {
                received.push(text.to_string());
            }
        }
        // THEN the reader got all five and the stalled member was cut off
        assert_eq!(received, ["0", "1", "2", "3", "4"]);
        assert_eq!(
            stalled.cutoff.borrow().as_ref().map(|cutoff| cutoff.code),
            Some(CLOSE_TOO_SLOW)
        );
    }

    #[test]
    fn accepts_each_token_once_and_caps_connections() {
        // GIVEN a hub allowing two connections
        let hub = ChatHub::new(4, ChatLog::default());
        let now = OffsetDateTime::now_utc();
        let later = now + time::Duration::hours(1);
        // WHEN tokens are presented
        let first = hub.admit("t1", later, now, 2);
        let again = hub.admit("t1", later, now, 2);
        let second = hub.admit("t2", later, now, 2);
        let third = hub.admit("t3", later, now, 2);
        // THEN a reused token and a third connection are refused
        assert_eq!(first, Ok(()));
        assert_eq!(again, Err(AdmitError::TokenReused));
        assert_eq!(second, Ok(()));
        assert_eq!(third, Err(AdmitError::TooManyConnections));
        hub.release();
        assert_eq!(hub.admit("t4", later, now, 2), Ok(()));
    }

    #[test]
    fn limits_sends_per_second_across_the_room() {
        // GIVEN a room with a member and a rate of three per second
        let hub = ChatHub::new(4, ChatLog::default());
        let _member = hub.join(ROOM, "alice");
        // WHEN four sends arrive at once THEN the fourth is refused
        let slots: Vec<bool> = (0..4).map(|_| hub.try_send_slot(ROOM, 3)).collect();
        assert_eq!(slots, [true, true, true, false]);
    }
}
