//! The emulator's state: rooms, logging configurations, tags and the moderation journal.
//!
//! One mutex guards everything, so each operation sees and leaves a consistent state under
//! concurrent requests. Methods speak the service's error vocabulary ([`ApiError`]), so the
//! operation layer only parses, validates and encodes.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use ivschat_api::validate;
use time::OffsetDateTime;

use crate::arn::{ResourceArn, ResourceKind, ServiceIdentity, id_of, new_id};
use crate::error::{ApiError, check};
use crate::model::{
    Destination, FallbackResult, JournalAction, JournalEntry, LoggingConfiguration,
    LoggingConfigurationState, MessageReviewHandler, ReviewRecord, Room,
};
use crate::pagination::ListPosition;

/// Default room `maximumMessageRatePerSecond`.
pub const DEFAULT_MESSAGE_RATE_PER_SECOND: i64 = 10;
/// Default room `maximumMessageLength`.
pub const DEFAULT_MESSAGE_LENGTH: i64 = 500;

/// Account-level resource quotas (docs/ivs-chat.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// Most rooms in the account and Region (AWS default 50,000).
    pub rooms: usize,
    /// Most logging configurations (AWS default 10).
    pub logging_configurations: usize,
}

impl Default for Quotas {
    fn default() -> Self {
        Self {
            rooms: 50_000,
            logging_configurations: 10,
        }
    }
}

/// A room to create (already validated field by field).
#[derive(Debug, Clone, Default)]
pub struct NewRoom {
    /// Name ("" when not given).
    pub name: String,
    /// Rate limit, or the default.
    pub maximum_message_rate_per_second: Option<i64>,
    /// Length limit, or the default.
    pub maximum_message_length: Option<i64>,
    /// Review handler to attach.
    pub message_review_handler: Option<MessageReviewHandler>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Logging configuration ARNs to attach.
    pub logging_configuration_identifiers: Vec<String>,
}

/// How UpdateRoom changes the review handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerUpdate {
    /// An empty uri: disassociate the handler.
    Remove,
    /// A uri: attach this handler.
    Replace(MessageReviewHandler),
    /// Only a fallbackResult: change it on the attached handler, if any.
    SetFallback(FallbackResult),
}

/// The members UpdateRoom sets; `None` leaves a member unchanged.
#[derive(Debug, Clone, Default)]
pub struct RoomChanges {
    /// New name.
    pub name: Option<String>,
    /// New rate limit.
    pub maximum_message_rate_per_second: Option<i64>,
    /// New length limit.
    pub maximum_message_length: Option<i64>,
    /// Handler change.
    pub message_review_handler: Option<HandlerUpdate>,
    /// Replacement list of logging configuration ARNs.
    pub logging_configuration_identifiers: Option<Vec<String>>,
}

/// ListRooms filters; each set filter must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomFilter {
    /// Exact room name.
    pub name: Option<String>,
    /// Exact review handler uri.
    pub message_review_handler_uri: Option<String>,
    /// A logging configuration ARN the room has attached.
    pub logging_configuration_identifier: Option<String>,
}

/// A moderation or event call to record.
#[derive(Debug, Clone)]
pub struct JournalDraft {
    /// Which call.
    pub action: JournalAction,
    /// Target room ARN.
    pub room_arn: String,
    /// DisconnectUser's user.
    pub user_id: Option<String>,
    /// DeleteMessage's message id.
    pub message_id: Option<String>,
    /// SendEvent's name.
    pub event_name: Option<String>,
    /// Reason given.
    pub reason: Option<String>,
    /// SendEvent's attributes.
    pub attributes: BTreeMap<String, String>,
    /// A message review's outcome.
    pub review: Option<ReviewRecord>,
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items, in list order.
    pub items: Vec<T>,
    /// Where the next page starts, when there is one.
    pub next: Option<ListPosition>,
}

/// Everything the store holds; also the persisted form (see `persistence`).
#[derive(Debug, Clone, Default)]
pub struct StateData {
    /// Rooms by id.
    pub rooms: BTreeMap<String, Room>,
    /// Logging configurations by id.
    pub logging_configurations: BTreeMap<String, LoggingConfiguration>,
    /// Moderation journal, oldest first.
    pub journal: Vec<JournalEntry>,
}

/// The state store. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct StateStore {
    data: Mutex<StateData>,
    identity: ServiceIdentity,
    quotas: Quotas,
}

fn room_not_found(identifier: &str) -> ApiError {
    ApiError::ResourceNotFound {
        message: format!("room {identifier} was not found"),
        resource_id: id_of(identifier).to_owned(),
    }
}

fn logging_configuration_not_found(identifier: &str) -> ApiError {
    ApiError::ResourceNotFound {
        message: format!("logging configuration {identifier} was not found"),
        resource_id: id_of(identifier).to_owned(),
    }
}

fn sorted_page<T: Clone>(
    mut items: Vec<&T>,
    key: impl Fn(&T) -> (OffsetDateTime, &str),
    after: Option<&ListPosition>,
    max: usize,
) -> Page<T> {
    items.sort_by(|a, b| {
        let (ta, ia) = key(a);
        let (tb, ib) = key(b);
        tb.cmp(&ta).then_with(|| ia.cmp(ib))
    });
    let mut remaining = items.into_iter().filter(|item| {
        let (t, id) = key(item);
        after.is_none_or(|position| position.is_before(t, id))
    });
    let page: Vec<T> = remaining.by_ref().take(max).cloned().collect();
    let next = match (remaining.next(), page.last()) {
        (Some(_), Some(last)) => {
            let (t, id) = key(last);
            Some(ListPosition::of(t, id))
        }
        _ => None,
    };
    Page { items: page, next }
}

impl StateStore {
    /// A store starting from `data` (a loaded state file).
    pub fn with_data(identity: ServiceIdentity, quotas: Quotas, data: StateData) -> Self {
        Self {
            data: Mutex::new(data),
            identity,
            quotas,
        }
    }

    /// The Region and account in every ARN.
    pub fn identity(&self) -> &ServiceIdentity {
        &self.identity
    }

    fn lock(&self) -> MutexGuard<'_, StateData> {
        // A panic while holding the lock cannot leave a half-applied change: every mutation
        // validates first and then writes, so the data is still consistent.
        self.data
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A copy of everything, for persistence and inspection.
    pub fn snapshot(&self) -> StateData {
        self.lock().clone()
    }

    /// Forgets every room, logging configuration and journal entry.
    pub fn reset(&self) {
        *self.lock() = StateData::default();
    }

    fn find_room<'a>(data: &'a StateData, identifier: &str) -> Option<&'a Room> {
        let parsed = ResourceArn::parse(identifier)?;
        (parsed.kind == ResourceKind::Room)
            .then(|| data.rooms.get(&parsed.id))
            .flatten()
            .filter(|room| room.arn == identifier)
    }

    fn find_logging_configuration<'a>(
        data: &'a StateData,
        identifier: &str,
    ) -> Option<&'a LoggingConfiguration> {
        let parsed = ResourceArn::parse(identifier)?;
        (parsed.kind == ResourceKind::LoggingConfiguration)
            .then(|| data.logging_configurations.get(&parsed.id))
            .flatten()
            .filter(|config| config.arn == identifier)
    }

    /// Every logging configuration in `identifiers` must exist (404) and be ACTIVE (409).
    fn check_attachable(data: &StateData, identifiers: &[String]) -> Result<(), ApiError> {
        for identifier in identifiers {
            let config = Self::find_logging_configuration(data, identifier)
                .ok_or_else(|| logging_configuration_not_found(identifier))?;
            if config.state != LoggingConfigurationState::Active {
                return Err(ApiError::Conflict {
                    message: format!(
                        "logging configuration {identifier} is {} and cannot be attached",
                        config.state.as_str()
                    ),
                    resource_id: config.id.clone(),
                });
            }
        }
        Ok(())
    }

    fn unused_id<T>(map: &BTreeMap<String, T>) -> String {
        // 62^12 ids make a collision vanishingly rare; the loop only guards the impossible.
        let mut id = new_id();
        for _ in 0..16 {
            if !map.contains_key(&id) {
                break;
            }
            id = new_id();
        }
        id
    }

    /// CreateRoom. Fails with 402 past the room quota, 404/409 for an unknown or non-ACTIVE
    /// logging configuration.
    pub fn create_room(&self, new: NewRoom) -> Result<Room, ApiError> {
        self.insert_room(None, new)
    }

    /// Creates a room with a chosen id, for fixtures that name their rooms (the API always picks
    /// a random id). Fails like CreateRoom, and with 409 when the id is taken.
    pub fn create_room_with_id(&self, id: &str, new: NewRoom) -> Result<Room, ApiError> {
        self.insert_room(Some(id), new)
    }

    fn insert_room(&self, chosen_id: Option<&str>, new: NewRoom) -> Result<Room, ApiError> {
        let mut data = self.lock();
        if let Some(id) = chosen_id
            && data.rooms.contains_key(id)
        {
            return Err(ApiError::Conflict {
                message: format!("a room with id {id} already exists"),
                resource_id: id.to_owned(),
            });
        }
        if data.rooms.len() >= self.quotas.rooms {
            return Err(ApiError::ServiceQuotaExceeded {
                message: format!(
                    "the account already has {} rooms, the quota",
                    self.quotas.rooms
                ),
                resource_id: self.identity.account_id.clone(),
                limit: i64::try_from(self.quotas.rooms).unwrap_or(i64::MAX),
            });
        }
        Self::check_attachable(&data, &new.logging_configuration_identifiers)?;
        let id = chosen_id.map_or_else(|| Self::unused_id(&data.rooms), str::to_owned);
        let now = OffsetDateTime::now_utc();
        let room = Room {
            arn: self.identity.arn(ResourceKind::Room, &id),
            id: id.clone(),
            name: new.name,
            create_time: now,
            update_time: now,
            maximum_message_rate_per_second: new
                .maximum_message_rate_per_second
                .unwrap_or(DEFAULT_MESSAGE_RATE_PER_SECOND),
            maximum_message_length: new.maximum_message_length.unwrap_or(DEFAULT_MESSAGE_LENGTH),
            message_review_handler: new.message_review_handler,
            tags: new.tags,
            logging_configuration_identifiers: new.logging_configuration_identifiers,
        };
        data.rooms.insert(id, room.clone());
        Ok(room)
    }

    /// GetRoom.
    pub fn get_room(&self, identifier: &str) -> Result<Room, ApiError> {
        let data = self.lock();
        Self::find_room(&data, identifier)
            .cloned()
            .ok_or_else(|| room_not_found(identifier))
    }

    /// UpdateRoom: applies the set members and moves updateTime.
    pub fn update_room(&self, identifier: &str, changes: RoomChanges) -> Result<Room, ApiError> {
        let mut data = self.lock();
        let id = Self::find_room(&data, identifier)
            .map(|room| room.id.clone())
            .ok_or_else(|| room_not_found(identifier))?;
        if let Some(identifiers) = &changes.logging_configuration_identifiers {
            Self::check_attachable(&data, identifiers)?;
        }
        let room = data
            .rooms
            .get_mut(&id)
            .ok_or_else(|| room_not_found(identifier))?;
        if let Some(name) = changes.name {
            room.name = name;
        }
        if let Some(rate) = changes.maximum_message_rate_per_second {
            room.maximum_message_rate_per_second = rate;
        }
        if let Some(length) = changes.maximum_message_length {
            room.maximum_message_length = length;
        }
        match changes.message_review_handler {
            None => {}
            Some(HandlerUpdate::Remove) => room.message_review_handler = None,
            Some(HandlerUpdate::Replace(handler)) => room.message_review_handler = Some(handler),
            Some(HandlerUpdate::SetFallback(fallback)) => {
                if let Some(handler) = room.message_review_handler.as_mut() {
                    handler.fallback_result = fallback;
                }
            }
        }
        if let Some(identifiers) = changes.logging_configuration_identifiers {
            room.logging_configuration_identifiers = identifiers;
        }
        room.update_time = OffsetDateTime::now_utc();
        Ok(room.clone())
    }

    /// DeleteRoom.
    pub fn delete_room(&self, identifier: &str) -> Result<(), ApiError> {
        let mut data = self.lock();
        let id = Self::find_room(&data, identifier)
            .map(|room| room.id.clone())
            .ok_or_else(|| room_not_found(identifier))?;
        data.rooms.remove(&id);
        Ok(())
    }

    /// ListRooms: rooms matching `filter`, updateTime descending then id, from after `after`.
    ///
    /// A logging-configuration filter naming no existing configuration is a 404.
    pub fn list_rooms(
        &self,
        filter: &RoomFilter,
        after: Option<&ListPosition>,
        max: usize,
    ) -> Result<Page<Room>, ApiError> {
        let data = self.lock();
        if let Some(identifier) = &filter.logging_configuration_identifier
            && Self::find_logging_configuration(&data, identifier).is_none()
        {
            return Err(logging_configuration_not_found(identifier));
        }
        let matching: Vec<&Room> = data
            .rooms
            .values()
            .filter(|room| filter.name.as_ref().is_none_or(|name| &room.name == name))
            .filter(|room| {
                filter
                    .message_review_handler_uri
                    .as_ref()
                    .is_none_or(|uri| {
                        room.message_review_handler
                            .as_ref()
                            .is_some_and(|handler| &handler.uri == uri)
                    })
            })
            .filter(|room| {
                filter
                    .logging_configuration_identifier
                    .as_ref()
                    .is_none_or(|arn| room.logging_configuration_identifiers.contains(arn))
            })
            .collect();
        Ok(sorted_page(
            matching,
            |room| (room.update_time, room.id.as_str()),
            after,
            max,
        ))
    }

    /// Records an accepted DeleteMessage, DisconnectUser or SendEvent; 404 if the room is unknown.
    pub fn record(&self, draft: JournalDraft) -> Result<JournalEntry, ApiError> {
        let mut data = self.lock();
        if Self::find_room(&data, &draft.room_arn).is_none() {
            return Err(room_not_found(&draft.room_arn));
        }
        let entry = JournalEntry {
            sequence: u64::try_from(data.journal.len()).unwrap_or(u64::MAX) + 1,
            action: draft.action,
            operation_id: new_id(),
            room_arn: draft.room_arn,
            user_id: draft.user_id,
            message_id: draft.message_id,
            event_name: draft.event_name,
            reason: draft.reason,
            attributes: draft.attributes,
            time: OffsetDateTime::now_utc(),
            review: draft.review,
        };
        data.journal.push(entry.clone());
        Ok(entry)
    }

    /// The destinations of the ACTIVE logging configurations attached to a room (none when the
    /// room is unknown).
    pub fn log_destinations(&self, room_arn: &str) -> Vec<Destination> {
        let data = self.lock();
        let Some(room) = Self::find_room(&data, room_arn) else {
            return Vec::new();
        };
        room.logging_configuration_identifiers
            .iter()
            .filter_map(|arn| Self::find_logging_configuration(&data, arn))
            .filter(|config| config.state == LoggingConfigurationState::Active)
            .map(|config| config.destination_configuration.clone())
            .collect()
    }

    /// The journal, oldest first.
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.lock().journal.clone()
    }

    /// CreateLoggingConfiguration. Fails with 402 past the quota.
    pub fn create_logging_configuration(
        &self,
        name: String,
        destination: Destination,
        tags: BTreeMap<String, String>,
    ) -> Result<LoggingConfiguration, ApiError> {
        let mut data = self.lock();
        if data.logging_configurations.len() >= self.quotas.logging_configurations {
            return Err(ApiError::ServiceQuotaExceeded {
                message: format!(
                    "the account already has {} logging configurations, the quota",
                    self.quotas.logging_configurations
                ),
                resource_id: self.identity.account_id.clone(),
                limit: i64::try_from(self.quotas.logging_configurations).unwrap_or(i64::MAX),
            });
        }
        let id = Self::unused_id(&data.logging_configurations);
        let now = OffsetDateTime::now_utc();
        let config = LoggingConfiguration {
            arn: self.identity.arn(ResourceKind::LoggingConfiguration, &id),
            id: id.clone(),
            name,
            create_time: now,
            update_time: now,
            destination_configuration: destination,
            state: LoggingConfigurationState::Active,
            tags,
        };
        data.logging_configurations.insert(id, config.clone());
        Ok(config)
    }

    /// GetLoggingConfiguration.
    pub fn get_logging_configuration(
        &self,
        identifier: &str,
    ) -> Result<LoggingConfiguration, ApiError> {
        let data = self.lock();
        Self::find_logging_configuration(&data, identifier)
            .cloned()
            .ok_or_else(|| logging_configuration_not_found(identifier))
    }

    fn require_active(config: &LoggingConfiguration, doing: &str) -> Result<(), ApiError> {
        if config.state == LoggingConfigurationState::Active {
            return Ok(());
        }
        Err(ApiError::Conflict {
            message: format!(
                "logging configuration {} is {} and cannot be {doing}",
                config.arn,
                config.state.as_str()
            ),
            resource_id: config.id.clone(),
        })
    }

    /// UpdateLoggingConfiguration: 409 unless the configuration is ACTIVE.
    pub fn update_logging_configuration(
        &self,
        identifier: &str,
        name: Option<String>,
        destination: Option<Destination>,
    ) -> Result<LoggingConfiguration, ApiError> {
        let mut data = self.lock();
        let id = Self::find_logging_configuration(&data, identifier)
            .map(|config| config.id.clone())
            .ok_or_else(|| logging_configuration_not_found(identifier))?;
        let config = data
            .logging_configurations
            .get_mut(&id)
            .ok_or_else(|| logging_configuration_not_found(identifier))?;
        Self::require_active(config, "updated")?;
        if let Some(name) = name {
            config.name = name;
        }
        if let Some(destination) = destination {
            config.destination_configuration = destination;
        }
        config.update_time = OffsetDateTime::now_utc();
        Ok(config.clone())
    }

    /// DeleteLoggingConfiguration: 409 while it is attached to a room or not ACTIVE.
    pub fn delete_logging_configuration(&self, identifier: &str) -> Result<(), ApiError> {
        let mut data = self.lock();
        let config = Self::find_logging_configuration(&data, identifier)
            .ok_or_else(|| logging_configuration_not_found(identifier))?;
        Self::require_active(config, "deleted")?;
        if let Some(room) = data
            .rooms
            .values()
            .find(|room| room.logging_configuration_identifiers.contains(&config.arn))
        {
            return Err(ApiError::Conflict {
                message: format!(
                    "logging configuration {identifier} is attached to room {}; detach it first",
                    room.arn
                ),
                resource_id: config.id.clone(),
            });
        }
        let id = config.id.clone();
        data.logging_configurations.remove(&id);
        Ok(())
    }

    /// ListLoggingConfigurations: updateTime descending then id, from after `after`.
    pub fn list_logging_configurations(
        &self,
        after: Option<&ListPosition>,
        max: usize,
    ) -> Page<LoggingConfiguration> {
        let data = self.lock();
        sorted_page(
            data.logging_configurations.values().collect(),
            |config| (config.update_time, config.id.as_str()),
            after,
            max,
        )
    }

    /// Sets a logging configuration's state, to emulate one caught mid-change (tests only;
    /// the API never leaves a configuration outside ACTIVE).
    pub fn set_logging_configuration_state(
        &self,
        identifier: &str,
        state: LoggingConfigurationState,
    ) -> Result<(), ApiError> {
        let mut data = self.lock();
        let id = Self::find_logging_configuration(&data, identifier)
            .map(|config| config.id.clone())
            .ok_or_else(|| logging_configuration_not_found(identifier))?;
        if let Some(config) = data.logging_configurations.get_mut(&id) {
            config.state = state;
        }
        Ok(())
    }

    fn tags_mut<'a>(
        data: &'a mut StateData,
        resource_arn: &str,
    ) -> Result<&'a mut BTreeMap<String, String>, ApiError> {
        let not_found = || ApiError::ResourceNotFound {
            message: format!("resource {resource_arn} was not found"),
            resource_id: id_of(resource_arn).to_owned(),
        };
        let parsed = ResourceArn::parse(resource_arn).ok_or_else(not_found)?;
        match parsed.kind {
            ResourceKind::Room => data
                .rooms
                .get_mut(&parsed.id)
                .filter(|room| room.arn == resource_arn)
                .map(|room| &mut room.tags),
            ResourceKind::LoggingConfiguration => data
                .logging_configurations
                .get_mut(&parsed.id)
                .filter(|config| config.arn == resource_arn)
                .map(|config| &mut config.tags),
        }
        .ok_or_else(not_found)
    }

    /// ListTagsForResource.
    pub fn tags(&self, resource_arn: &str) -> Result<BTreeMap<String, String>, ApiError> {
        let mut data = self.lock();
        Self::tags_mut(&mut data, resource_arn).map(|tags| tags.clone())
    }

    /// TagResource: adds or overwrites `tags`; the result must still be at most 50 tags.
    pub fn tag_resource(
        &self,
        resource_arn: &str,
        tags: BTreeMap<String, String>,
    ) -> Result<(), ApiError> {
        let mut data = self.lock();
        let current = Self::tags_mut(&mut data, resource_arn)?;
        let mut merged = current.clone();
        merged.extend(tags);
        check(validate::tags("tags", &merged))?;
        *current = merged;
        Ok(())
    }

    /// UntagResource: removes exactly the named keys (absent keys are ignored).
    pub fn untag_resource(&self, resource_arn: &str, keys: &[String]) -> Result<(), ApiError> {
        let mut data = self.lock();
        let current = Self::tags_mut(&mut data, resource_arn)?;
        for key in keys {
            current.remove(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Item {
        time: OffsetDateTime,
        id: &'static str,
    }

    #[test]
    fn pages_newest_first_breaking_time_ties_by_id_without_gaps_or_repeats() {
        // GIVEN five items, three of them updated at the same instant
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let t1 = t0 + time::Duration::seconds(1);
        let items = [
            Item { time: t0, id: "e" },
            Item { time: t1, id: "c" },
            Item { time: t1, id: "a" },
            Item { time: t1, id: "b" },
            Item { time: t0, id: "d" },
        ];
        // WHEN they are paged two at a time from each returned position
        fn key(item: &Item) -> (OffsetDateTime, &str) {
            (item.time, item.id)
        }
        let mut order = Vec::new();
        let mut after = None;
        for _ in 0..10 {
            let page = sorted_page(items.iter().collect(), key, after.as_ref(), 2);
            order.extend(page.items.iter().map(|item| item.id));
            after = page.next;
            if after.is_none() {
                break;
            }
        }
        // THEN the newest come first, ties in id order, each exactly once
        assert_eq!(order, vec!["a", "b", "c", "d", "e"]);
    }
}
