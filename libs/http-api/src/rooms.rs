//! [`ManagedRooms`]: "is this room one this deployment manages?", answered from a short-lived
//! cache in the warm function.
//!
//! GetRoom allows only 5 calls per second per account while CreateChatToken allows 200 and the
//! moderation calls 100 (docs/ivs-chat.md §3), so every HTTP function that checks rooms must not call
//! GetRoom per request. Answers are cached for a TTL; "not found" and "not managed" answers
//! for a shorter one, so a room created or tagged a moment ago becomes usable quickly. The cache
//! holds a bounded number of rooms. Upstream failures are never cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ivschat_api::managed::is_managed_by;
use ivschat_api::{ChatClient, IvsChatError, RoomArn, RoomId};

use crate::error::{ApiError, ErrorCode};
use function_startup::{ConfigError, ConfigReader};

/// Where this deployment's rooms live and which tag value marks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomScope {
    /// The region of the rooms (this function's region).
    pub region: String,
    /// The account of the rooms.
    pub account_id: String,
    /// The value of [`ivschat_api::managed::DEPLOYMENT_TAG`] on rooms this deployment manages.
    pub deployment: String,
}

impl RoomScope {
    /// Reads `AWS_REGION`, `AWS_ACCOUNT_ID` and `DEPLOYMENT_NAME` (1–256 characters, the limit
    /// of a tag value).
    pub fn from_config(config: &ConfigReader<'_>) -> Result<Self, ConfigError> {
        let deployment = config.required("DEPLOYMENT_NAME")?;
        if deployment.chars().count() > 256 {
            return Err(ConfigError::new(
                "DEPLOYMENT_NAME",
                "must be at most 256 characters (a tag value)",
            ));
        }
        Ok(Self {
            region: config.aws_region()?,
            account_id: config.aws_account_id()?,
            deployment,
        })
    }

    /// The ARN of room `id` in this scope.
    pub fn room_arn(&self, id: &RoomId) -> Result<RoomArn, ApiError> {
        id.to_arn(&self.region, &self.account_id)
            .map_err(ApiError::invalid_input)
    }
}

/// How long and how many room answers are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomCacheSettings {
    /// How long a "managed" answer is trusted.
    pub ttl: Duration,
    /// How long a "not found" or "not managed" answer is trusted.
    pub negative_ttl: Duration,
    /// Most rooms remembered.
    pub capacity: usize,
}

impl RoomCacheSettings {
    /// The default TTL in seconds.
    pub const DEFAULT_TTL_SECONDS: i64 = 30;
    /// Longest negative TTL: a newly provisioned room is refused at most this long.
    pub const MAX_NEGATIVE_TTL: Duration = Duration::from_secs(5);
    /// Default capacity.
    pub const DEFAULT_CAPACITY: usize = 1_000;

    /// Settings with `ttl`, a negative TTL of `min(ttl, 5 s)` and the default capacity.
    pub fn with_ttl(ttl: Duration) -> Self {
        Self {
            ttl,
            negative_ttl: ttl.min(Self::MAX_NEGATIVE_TTL),
            capacity: Self::DEFAULT_CAPACITY,
        }
    }

    /// Reads `ROOM_CACHE_TTL_SECONDS` (0–3600, default 30; 0 turns caching off).
    pub fn from_config(config: &ConfigReader<'_>) -> Result<Self, ConfigError> {
        let seconds = config.integer_in_range(
            "ROOM_CACHE_TTL_SECONDS",
            Self::DEFAULT_TTL_SECONDS,
            0,
            3600,
        )?;
        Ok(Self::with_ttl(Duration::from_secs(seconds.unsigned_abs())))
    }
}

impl Default for RoomCacheSettings {
    fn default() -> Self {
        Self::with_ttl(Duration::from_secs(
            Self::DEFAULT_TTL_SECONDS.unsigned_abs(),
        ))
    }
}

/// Why a room may not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomAccessError {
    /// The id is not a room id, or no ARN can be built from it.
    #[error("invalid room: {0}")]
    Invalid(ApiError),
    /// No such room.
    #[error("room {0} not found")]
    NotFound(String),
    /// The room exists but is not tagged for this deployment.
    #[error("room {0} is not managed by this deployment")]
    NotManaged(String),
    /// GetRoom failed.
    #[error("room lookup failed: {0}")]
    Upstream(IvsChatError),
}

impl From<RoomAccessError> for ApiError {
    /// 400 / 404 `RoomNotFound` / 403 `RoomNotAllowed` / the upstream mapping.
    fn from(error: RoomAccessError) -> Self {
        match error {
            RoomAccessError::Invalid(error) => error,
            RoomAccessError::NotFound(_) => ApiError::new(ErrorCode::RoomNotFound, "no such room"),
            RoomAccessError::NotManaged(_) => ApiError::new(
                ErrorCode::RoomNotAllowed,
                "this room is not served by this API",
            ),
            RoomAccessError::Upstream(error) => ApiError::from_chat_error(&error),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoomStatus {
    Managed,
    NotManaged,
    NotFound,
}

#[derive(Debug)]
struct CachedRoom {
    status: RoomStatus,
    expires: Instant,
}

/// A bounded map of room answers with expiry.
#[derive(Debug, Default)]
struct RoomCache {
    entries: HashMap<String, CachedRoom>,
}

impl RoomCache {
    fn get(&self, id: &str, now: Instant) -> Option<RoomStatus> {
        self.entries
            .get(id)
            .filter(|entry| entry.expires > now)
            .map(|entry| entry.status)
    }

    fn put(&mut self, id: &str, status: RoomStatus, now: Instant, settings: &RoomCacheSettings) {
        let ttl = match status {
            RoomStatus::Managed => settings.ttl,
            RoomStatus::NotManaged | RoomStatus::NotFound => settings.negative_ttl,
        };
        if ttl.is_zero() || settings.capacity == 0 {
            return;
        }
        if self.entries.len() >= settings.capacity && !self.entries.contains_key(id) {
            self.entries.retain(|_, entry| entry.expires > now);
            if self.entries.len() >= settings.capacity
                && let Some(soonest) = self
                    .entries
                    .iter()
                    .min_by_key(|(_, entry)| entry.expires)
                    .map(|(key, _)| key.clone())
            {
                self.entries.remove(&soonest);
            }
        }
        self.entries.insert(
            id.to_owned(),
            CachedRoom {
                status,
                expires: now + ttl,
            },
        );
    }
}

/// Checks that rooms exist and are managed by this deployment, with a cache in front of
/// GetRoom. Build it once per cold start.
#[derive(Debug)]
pub struct ManagedRooms {
    client: ChatClient,
    scope: RoomScope,
    settings: RoomCacheSettings,
    cache: Mutex<RoomCache>,
}

impl ManagedRooms {
    /// A checker for rooms in `scope`, calling GetRoom through `client`.
    pub fn new(client: ChatClient, scope: RoomScope, settings: RoomCacheSettings) -> Self {
        Self {
            client,
            scope,
            settings,
            cache: Mutex::new(RoomCache::default()),
        }
    }

    /// The scope rooms are checked in.
    pub fn scope(&self) -> &RoomScope {
        &self.scope
    }

    /// The ARN of room `room_id` (the 12-character id from a path) when it exists and carries
    /// this deployment's tag. `field` names the id in a 400.
    pub async fn resolve(&self, field: &str, room_id: &str) -> Result<RoomArn, RoomAccessError> {
        let id = RoomId::parse(field, room_id)
            .map_err(|v| RoomAccessError::Invalid(ApiError::invalid_input(v)))?;
        let arn = self.scope.room_arn(&id).map_err(RoomAccessError::Invalid)?;
        let status = match self.cached(id.as_str()) {
            Some(status) => status,
            None => {
                let status = self.look_up(&arn).await?;
                self.remember(id.as_str(), status);
                status
            }
        };
        match status {
            RoomStatus::Managed => Ok(arn),
            RoomStatus::NotManaged => Err(RoomAccessError::NotManaged(id.to_string())),
            RoomStatus::NotFound => Err(RoomAccessError::NotFound(id.to_string())),
        }
    }

    async fn look_up(&self, arn: &RoomArn) -> Result<RoomStatus, RoomAccessError> {
        match self.client.get_room(arn).await {
            Ok(room) if is_managed_by(&room.tags, &self.scope.deployment) => {
                Ok(RoomStatus::Managed)
            }
            Ok(_) => Ok(RoomStatus::NotManaged),
            Err(error) if error.is_not_found() => Ok(RoomStatus::NotFound),
            Err(error) => Err(RoomAccessError::Upstream(error)),
        }
    }

    fn cached(&self, id: &str) -> Option<RoomStatus> {
        // A poisoned lock only means another request panicked mid-update; the map is still
        // a valid cache.
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(id, Instant::now())
    }

    fn remember(&self, id: &str, status: RoomStatus) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.put(id, status, Instant::now(), &self.settings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(capacity: usize) -> RoomCacheSettings {
        RoomCacheSettings {
            capacity,
            ..RoomCacheSettings::with_ttl(Duration::from_secs(30))
        }
    }

    #[test]
    fn managed_answers_live_for_the_ttl() {
        let mut cache = RoomCache::default();
        let start = Instant::now();
        cache.put("a", RoomStatus::Managed, start, &settings(10));
        assert_eq!(
            cache.get("a", start + Duration::from_secs(29)),
            Some(RoomStatus::Managed)
        );
        assert_eq!(cache.get("a", start + Duration::from_secs(30)), None);
    }

    #[test]
    fn negative_answers_expire_sooner() {
        let mut cache = RoomCache::default();
        let start = Instant::now();
        cache.put("a", RoomStatus::NotFound, start, &settings(10));
        assert_eq!(
            cache.get("a", start + Duration::from_secs(4)),
            Some(RoomStatus::NotFound)
        );
        assert_eq!(cache.get("a", start + Duration::from_secs(5)), None);
    }

    #[test]
    fn cache_never_grows_past_capacity() {
        let mut cache = RoomCache::default();
        let start = Instant::now();
        for i in 0..10u64 {
            cache.put(
                &format!("r{i}"),
                RoomStatus::Managed,
                start + Duration::from_millis(i),
                &settings(3),
            );
        }
        assert_eq!(cache.entries.len(), 3);
        // The newest rooms are the ones kept.
        assert!(cache.get("r9", start + Duration::from_secs(1)).is_some());
        assert!(cache.get("r0", start + Duration::from_secs(1)).is_none());
    }

    #[test]
    fn zero_ttl_disables_caching() {
        let mut cache = RoomCache::default();
        let start = Instant::now();
        cache.put(
            "a",
            RoomStatus::Managed,
            start,
            &RoomCacheSettings::with_ttl(Duration::ZERO),
        );
        assert_eq!(cache.get("a", start), None);
    }
}
