//! [`ManagedRooms`]: "is this room one this deployment manages?", answered from a short-lived
//! cache in the warm function.
//!
//! GetRoom allows only 5 calls per second per account while CreateChatToken allows 200 and the
//! moderation calls 100 (docs/ivs-chat.md §3), so every HTTP function that checks rooms must not call
//! GetRoom per request. Answers are cached for a TTL; "not found" and "not managed" answers
//! for a shorter one, so a room created or tagged a moment ago becomes usable quickly. The cache
//! holds a bounded number of rooms. Upstream failures are never cached.
//!
//! A cache cannot stop a caller who sends random well-formed room ids: every one is a miss. So
//! misses are also rationed ([`LookupLimits`]): each caller (a user id, or the webhook) may cause
//! at most a few GetRoom calls per minute, and the warm instance at most a couple per second in
//! all; past either, the request is answered 429 `Throttled` with `Retry-After` and GetRoom is
//! not called. Rooms already in the cache are never rationed. The limits are per warm instance:
//! N instances allow N times the instance rate, which is why the template also throttles the
//! routes (docs/security.md).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::DEFAULT_RETRY_AFTER;

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

/// How many GetRoom calls cache misses may cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupLimits {
    /// GetRoom calls one caller may cause per minute (also their burst).
    pub per_caller_per_minute: u32,
    /// GetRoom calls the warm instance may make per second in all (also its burst).
    pub per_instance_per_second: u32,
    /// Most callers remembered.
    pub callers: usize,
}

impl Default for LookupLimits {
    /// 10 per caller per minute, 2 per instance per second, 10,000 callers.
    fn default() -> Self {
        Self {
            per_caller_per_minute: 10,
            per_instance_per_second: 2,
            callers: 10_000,
        }
    }
}

/// How long and how many room answers are kept, and how many misses may call GetRoom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomCacheSettings {
    /// How long a "managed" answer is trusted.
    pub ttl: Duration,
    /// How long a "not found" or "not managed" answer is trusted.
    pub negative_ttl: Duration,
    /// Most rooms remembered.
    pub capacity: usize,
    /// How many GetRoom calls misses may cause.
    pub lookups: LookupLimits,
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
            lookups: LookupLimits::default(),
        }
    }

    /// Reads `ROOM_CACHE_TTL_SECONDS` (0–3600, default 30; 0 turns caching off),
    /// `ROOM_LOOKUPS_PER_CALLER_PER_MINUTE` (1–600, default 10) and
    /// `ROOM_LOOKUPS_PER_SECOND` (1–5, default 2: GetRoom's account quota is 5).
    pub fn from_config(config: &ConfigReader<'_>) -> Result<Self, ConfigError> {
        let seconds = config.integer_in_range(
            "ROOM_CACHE_TTL_SECONDS",
            Self::DEFAULT_TTL_SECONDS,
            0,
            3600,
        )?;
        let per_caller =
            config.integer_in_range("ROOM_LOOKUPS_PER_CALLER_PER_MINUTE", 10, 1, 600)?;
        let per_instance = config.integer_in_range("ROOM_LOOKUPS_PER_SECOND", 2, 1, 5)?;
        let mut settings = Self::with_ttl(Duration::from_secs(seconds.unsigned_abs()));
        settings.lookups = LookupLimits {
            per_caller_per_minute: u32::try_from(per_caller).unwrap_or(10),
            per_instance_per_second: u32::try_from(per_instance).unwrap_or(2),
            ..LookupLimits::default()
        };
        Ok(settings)
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
    /// The caller (or the instance) used up its room lookups; retry after the delay.
    #[error("room lookups rationed; retry in {} s", .0.as_secs())]
    LookupsRationed(Duration),
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
            RoomAccessError::LookupsRationed(delay) => ApiError::throttled(delay),
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

/// A token bucket: `capacity` tokens, refilled at `per_second`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn full(capacity: f64, now: Instant) -> Self {
        Self {
            tokens: capacity,
            updated: now,
        }
    }

    /// Takes one token, or says how long until one is there.
    fn take(&mut self, capacity: f64, per_second: f64, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_second).min(capacity);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - self.tokens) / per_second;
            Err(Duration::from_secs_f64(wait.clamp(0.0, 3600.0)).max(DEFAULT_RETRY_AFTER))
        }
    }
}

/// The GetRoom rations of one warm instance.
#[derive(Debug)]
struct LookupRations {
    instance: Bucket,
    callers: HashMap<String, Bucket>,
}

impl LookupRations {
    fn new(now: Instant, limits: &LookupLimits) -> Self {
        Self {
            instance: Bucket::full(f64::from(limits.per_instance_per_second), now),
            callers: HashMap::new(),
        }
    }

    /// One GetRoom for `caller`, if both the caller's and the instance's rations allow it.
    fn take(&mut self, caller: &str, now: Instant, limits: &LookupLimits) -> Result<(), Duration> {
        let per_caller = f64::from(limits.per_caller_per_minute);
        if !self.callers.contains_key(caller) && self.callers.len() >= limits.callers {
            // Forget the callers whose buckets have been full longest: they lose nothing.
            let refill = 60.0 / per_caller.max(1.0);
            self.callers.retain(|_, bucket| {
                now.saturating_duration_since(bucket.updated).as_secs_f64() < refill * per_caller
            });
            if self.callers.len() >= limits.callers {
                return Err(DEFAULT_RETRY_AFTER);
            }
        }
        let bucket = self
            .callers
            .entry(caller.to_owned())
            .or_insert_with(|| Bucket::full(per_caller, now));
        let mut tentative = *bucket;
        tentative.take(per_caller, per_caller / 60.0, now)?;
        let per_instance = f64::from(limits.per_instance_per_second);
        self.instance.take(per_instance, per_instance, now)?;
        *bucket = tentative;
        Ok(())
    }
}

/// Checks that rooms exist and are managed by this deployment, with a cache in front of
/// GetRoom and rations on the misses. Build it once per cold start.
#[derive(Debug)]
pub struct ManagedRooms {
    client: ChatClient,
    scope: RoomScope,
    settings: RoomCacheSettings,
    cache: Mutex<RoomCache>,
    rations: Mutex<LookupRations>,
}

impl ManagedRooms {
    /// A checker for rooms in `scope`, calling GetRoom through `client`.
    pub fn new(client: ChatClient, scope: RoomScope, settings: RoomCacheSettings) -> Self {
        Self {
            client,
            scope,
            settings,
            cache: Mutex::new(RoomCache::default()),
            rations: Mutex::new(LookupRations::new(Instant::now(), &settings.lookups)),
        }
    }

    /// The scope rooms are checked in.
    pub fn scope(&self) -> &RoomScope {
        &self.scope
    }

    /// The ARN of room `room_id` (the 12-character id from a path) when it exists and carries
    /// this deployment's tag. `field` names the id in a 400. A cache miss counts against
    /// `caller`'s ration (a user id, or `webhook`) and the instance's ([`LookupLimits`]); past
    /// either it fails with [`RoomAccessError::LookupsRationed`] without calling GetRoom.
    pub async fn resolve(
        &self,
        caller: &str,
        field: &str,
        room_id: &str,
    ) -> Result<RoomArn, RoomAccessError> {
        let id = RoomId::parse(field, room_id)
            .map_err(|v| RoomAccessError::Invalid(ApiError::invalid_input(v)))?;
        let arn = self.scope.room_arn(&id).map_err(RoomAccessError::Invalid)?;
        let status = match self.cached(id.as_str()) {
            Some(status) => status,
            None => {
                self.ration(caller)?;
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

    fn ration(&self, caller: &str) -> Result<(), RoomAccessError> {
        let mut rations = self.rations.lock().unwrap_or_else(|p| p.into_inner());
        rations
            .take(caller, Instant::now(), &self.settings.lookups)
            .map_err(|delay| {
                tracing::warn!(
                    caller = %crate::text::log_field(caller),
                    "room lookup rationed: too many unknown rooms"
                );
                RoomAccessError::LookupsRationed(delay)
            })
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
    fn a_caller_gets_a_few_lookups_per_minute_and_the_instance_a_few_per_second() {
        // GIVEN 3 lookups per caller per minute and 2 per instance per second
        let limits = LookupLimits {
            per_caller_per_minute: 3,
            per_instance_per_second: 2,
            callers: 100,
        };
        let start = Instant::now();
        let mut rations = LookupRations::new(start, &limits);
        // WHEN one caller misses repeatedly, spaced so the instance refills
        let at = |ms| start + Duration::from_millis(ms);
        assert!(rations.take("mallory", at(0), &limits).is_ok());
        assert!(rations.take("mallory", at(600), &limits).is_ok());
        assert!(rations.take("mallory", at(1200), &limits).is_ok());
        // THEN the fourth is refused, with a delay of about 20 s (60 s / 3)
        let wait = rations
            .take("mallory", at(1800), &limits)
            .expect_err("rationed");
        assert!(wait >= Duration::from_secs(15), "{wait:?}");
        // AND other callers are unaffected
        assert!(rations.take("alice", at(1800), &limits).is_ok());
        // AND the instance as a whole allows only its burst at once
        assert!(rations.take("bob", at(1800), &limits).is_ok());
        assert!(rations.take("carol", at(1800), &limits).is_err());
        // AND a refused caller's ration is not spent by the instance refusing them
        assert!(rations.take("carol", at(3000), &limits).is_ok());
    }

    #[test]
    fn the_caller_map_stays_bounded() {
        let limits = LookupLimits {
            per_caller_per_minute: 60,
            per_instance_per_second: 1_000,
            callers: 10,
        };
        let start = Instant::now();
        let mut rations = LookupRations::new(start, &limits);
        for i in 0..1_000u64 {
            let _ = rations.take(&format!("c{i}"), start + Duration::from_millis(i), &limits);
        }
        assert!(rations.callers.len() <= 10);
    }

    #[test]
    fn an_unconfigured_instance_rations_lookups_at_the_documented_defaults() {
        // GIVEN no room cache or lookup variable set
        let env = std::collections::BTreeMap::<&str, &str>::new();
        // WHEN the settings are read
        let settings = RoomCacheSettings::from_config(&ConfigReader::new(&env)).expect("valid");
        // THEN at most 1,000 rooms are cached for 30 s, and misses rationed at 10 per caller per
        // minute and 2 per instance per second, as the README says
        assert_eq!(settings.ttl, Duration::from_secs(30));
        assert_eq!(settings.capacity, 1_000);
        assert_eq!(settings.lookups.per_caller_per_minute, 10);
        assert_eq!(settings.lookups.per_instance_per_second, 2);
    }

    #[test]
    fn lookup_rations_outside_their_ranges_are_refused_naming_the_variable() {
        // GIVEN a per-instance rate above GetRoom's account quota of 5, or a zero per-caller one
        for (variable, value) in [
            ("ROOM_LOOKUPS_PER_SECOND", "6"),
            ("ROOM_LOOKUPS_PER_CALLER_PER_MINUTE", "0"),
            ("ROOM_LOOKUPS_PER_CALLER_PER_MINUTE", "601"),
        ] {
            let env = std::collections::BTreeMap::from([(variable, value)]);
            // WHEN the settings are read THEN the cold start fails naming the variable
            let error =
                RoomCacheSettings::from_config(&ConfigReader::new(&env)).expect_err("out of range");
            assert_eq!(error.variable, variable);
        }
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
