//! The ban check of the review hot path: is the sender banned or timed out in this room (or in
//! every room)? A banned user gets no new chat token (the token API refuses it), so a message
//! from a banned sender always comes from a session that began before the ban; this check
//! denies it, with a reason the sender sees (docs/ivs-chat.md §1.3).
//!
//! IVS Chat waits at most 200 ms for the whole review (docs/ivs-chat.md §1.4), and a review
//! usually takes microseconds, so the state table is never read on every message:
//!
//! - **Per-instance cache.** Each warm instance remembers, per room and user, the answer it
//!   last read. An answer younger than the staleness bound (`BAN_CACHE_SECONDS`, default 5 s)
//!   is used as is: a new ban, or a lifted one, reaches every warm instance within that bound.
//! - **Refreshed off the hot path.** Once an answer is past half the bound, the next message
//!   uses it and starts a refresh in the background; a sender who keeps chatting never waits.
//! - **Strict timeout otherwise.** With no answer, or one past the bound, the message waits
//!   for one read, at most `BAN_LOOKUP_TIMEOUT_MS` (default 50 ms).
//! - **When the table is slow or unreachable**, `BAN_CHECK_ON_FAILURE` decides: `allow`
//!   (default: fail open; the message goes on to the policy review as if no ban existed) or
//!   `deny` (fail closed: the message is denied with [`UNAVAILABLE_REASON`]). An answer read in
//!   the last [`STALE_FALLBACK`] is preferred to either.
//! - **A failure is the key's, not the instance's.** After a failed or slow read, only that
//!   room and user skip reads for [`RETRY_AFTER`]; every other sender is still checked. Only
//!   after [`CIRCUIT_FAILURES`] failed reads in a row (of any keys, none succeeding between
//!   them) does the instance stop reading for [`RETRY_AFTER`] (an open circuit), so an outage
//!   costs each message nothing rather than the full timeout; the next read after that closes
//!   it again if it succeeds.
//! - **Every skipped check is seen.** A message whose check got no fresh answer writes a
//!   warning (room, user, why: `timeout`, `error`, `recent-failure` or `circuit-open`; and what
//!   was applied: the stale answer, `allow` or `deny`) and a `BanChecksSkipped` metric by
//!   `Reason`.
//! - **Warm from the cold start.** [`CachedBanCheck::warm_up`] makes one read before the first
//!   message, so the connection to the table (TCP and TLS) is open and the first message's read
//!   does not pay the handshake.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use function_startup::{ConfigError, ConfigReader};
use toolkit_state::{ActiveBan, BanLookup, unix_seconds};

/// Default staleness bound of a cached answer.
pub const DEFAULT_CACHE_SECONDS: i64 = 5;
/// Default timeout of a read on the hot path.
pub const DEFAULT_LOOKUP_TIMEOUT_MS: i64 = 50;
/// How long after a failed read of one room and user that key is not read again (the failure
/// mode applies to it at once), and how long an open circuit stays open.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);
/// Failed reads in a row (no read succeeding between them) that open the circuit: the instance
/// then reads nothing for [`RETRY_AFTER`].
pub const CIRCUIT_FAILURES: u32 = 5;
/// The longest the cold start waits for [`CachedBanCheck::warm_up`]'s read.
pub const WARM_UP_TIMEOUT: Duration = Duration::from_secs(1);
/// How old an answer may be and still be preferred to the failure mode when a read fails.
pub const STALE_FALLBACK: Duration = Duration::from_secs(60);
/// Most (room, user) answers kept per instance; past it the cache starts afresh.
pub const CACHE_CAPACITY: usize = 50_000;
/// The reason a fail-closed denial gives the sender.
pub const UNAVAILABLE_REASON: &str =
    "Your message could not be checked right now. Please try again in a moment.";

/// What happens to a message when the ban check cannot answer in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureMode {
    /// Fail open: review the message as if the sender were not banned.
    Allow,
    /// Fail closed: deny the message with [`UNAVAILABLE_REASON`].
    Deny,
}

/// How the ban check behaves, read once at cold start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BanCheckSettings {
    /// How long a cached answer is used as is (the staleness bound).
    pub fresh_for: Duration,
    /// The longest a message waits for a read.
    pub lookup_timeout: Duration,
    /// What a message gets when no answer comes in time.
    pub on_failure: FailureMode,
}

impl Default for BanCheckSettings {
    fn default() -> Self {
        Self {
            fresh_for: Duration::from_secs(5),
            lookup_timeout: Duration::from_millis(50),
            on_failure: FailureMode::Allow,
        }
    }
}

impl BanCheckSettings {
    /// Reads `BAN_CACHE_SECONDS` (1–60, default 5), `BAN_LOOKUP_TIMEOUT_MS` (5–150, default
    /// 50: the review must end well inside IVS's 200 ms) and `BAN_CHECK_ON_FAILURE` (`allow`,
    /// the default, or `deny`). A bad value fails naming the variable.
    pub fn from_config(config: &ConfigReader<'_>) -> Result<Self, ConfigError> {
        let seconds = config.integer_in_range("BAN_CACHE_SECONDS", DEFAULT_CACHE_SECONDS, 1, 60)?;
        let millis =
            config.integer_in_range("BAN_LOOKUP_TIMEOUT_MS", DEFAULT_LOOKUP_TIMEOUT_MS, 5, 150)?;
        let on_failure = match config.optional("BAN_CHECK_ON_FAILURE").as_deref() {
            None | Some("allow") => FailureMode::Allow,
            Some("deny") => FailureMode::Deny,
            Some(_) => {
                return Err(ConfigError::new(
                    "BAN_CHECK_ON_FAILURE",
                    "must be allow (fail open) or deny (fail closed)",
                ));
            }
        };
        Ok(Self {
            fresh_for: Duration::from_secs(u64::try_from(seconds).unwrap_or(5)),
            lookup_timeout: Duration::from_millis(u64::try_from(millis).unwrap_or(50)),
            on_failure,
        })
    }
}

/// The reason a banned sender sees: `You are banned from this chat.` or `You are timed out
/// until 2026-01-01T00:10:00Z.`
pub fn denial_reason(ban: &ActiveBan) -> String {
    match ban.until_rfc3339() {
        None => "You are banned from this chat.".to_owned(),
        Some(end) => format!("You are timed out until {end}."),
    }
}

/// The Embedded Metric Format record of one skipped check: metric `BanChecksSkipped` (count)
/// by `Reason`, in the review handler's namespace.
pub fn skipped_metric(reason: SkipReason, timestamp_ms: u64) -> String {
    format!(
        r#"{{"_aws":{{"Timestamp":{timestamp_ms},"CloudWatchMetrics":[{{"Namespace":"{}","Dimensions":[["Reason"]],"Metrics":[{{"Name":"BanChecksSkipped","Unit":"Count"}}]}}]}},"Reason":"{}","BanChecksSkipped":1}}"#,
        crate::METRICS_NAMESPACE,
        reason.as_str()
    )
}

/// What the ban check decided for one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BanVerdict {
    /// Not banned (or unknown, failing open): review the message.
    Clear,
    /// Banned: deny with the ban's reason.
    Banned(ActiveBan),
    /// Unknown, failing closed: deny with [`UNAVAILABLE_REASON`].
    Unavailable,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    ban: Option<ActiveBan>,
    read_at: Instant,
    refreshing: bool,
}

type Key = (String, String);

#[derive(Debug, Default)]
struct Cache {
    entries: HashMap<Key, Entry>,
    /// When the last read of a key failed, for the keys whose last read failed.
    failed_at: HashMap<Key, Instant>,
    /// Failed reads since the last successful one, of any keys.
    failures_in_a_row: u32,
    /// While set and in the future, no read is made.
    circuit_open_until: Option<Instant>,
}

/// Why a message's ban check got no fresh answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The read took longer than `BAN_LOOKUP_TIMEOUT_MS`.
    Timeout,
    /// The read failed.
    Error,
    /// This room and user's last read failed less than [`RETRY_AFTER`] ago.
    RecentFailure,
    /// The circuit is open after [`CIRCUIT_FAILURES`] failed reads in a row.
    CircuitOpen,
}

impl SkipReason {
    /// The name logs and the metric's `Reason` dimension use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Error => "error",
            Self::RecentFailure => "recent-failure",
            Self::CircuitOpen => "circuit-open",
        }
    }
}

/// The review path's ban check: a per-instance cache in front of a [`BanLookup`] (the state
/// table in the Lambda). Build it once per cold start and share it (`Arc`): background
/// refreshes hold a reference.
pub struct CachedBanCheck {
    source: Box<dyn BanLookup>,
    settings: BanCheckSettings,
    cache: Mutex<Cache>,
}

impl CachedBanCheck {
    /// A check reading `source` with `settings`.
    pub fn new(source: impl BanLookup, settings: BanCheckSettings) -> Arc<Self> {
        Arc::new(Self {
            source: Box::new(source),
            settings,
            cache: Mutex::new(Cache::default()),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &BanCheckSettings {
        &self.settings
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // A poisoned lock only means another task panicked mid-update; the map is still a
        // valid cache.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn verdict(ban: Option<ActiveBan>) -> BanVerdict {
        match ban {
            Some(ban) if ban.is_active(unix_seconds(SystemTime::now())) => BanVerdict::Banned(ban),
            _ => BanVerdict::Clear,
        }
    }

    fn remember(&self, key: Key, ban: Option<ActiveBan>) {
        let mut cache = self.lock();
        if cache.entries.len() >= CACHE_CAPACITY && !cache.entries.contains_key(&key) {
            cache.entries.clear();
        }
        cache.failed_at.remove(&key);
        cache.failures_in_a_row = 0;
        cache.circuit_open_until = None;
        cache.entries.insert(
            key,
            Entry {
                ban,
                read_at: Instant::now(),
                refreshing: false,
            },
        );
    }

    fn failed(&self, key: &Key) {
        let now = Instant::now();
        let mut cache = self.lock();
        if cache.failed_at.len() >= CACHE_CAPACITY && !cache.failed_at.contains_key(key) {
            cache.failed_at.clear();
        }
        cache.failed_at.insert(key.clone(), now);
        cache.failures_in_a_row = cache.failures_in_a_row.saturating_add(1);
        if cache.failures_in_a_row >= CIRCUIT_FAILURES {
            cache.failures_in_a_row = 0;
            cache.circuit_open_until = Some(now + RETRY_AFTER);
            tracing::warn!(
                failures = CIRCUIT_FAILURES,
                pause_ms = RETRY_AFTER.as_millis(),
                "ban check circuit open: the state table failed repeatedly; no reads for a while"
            );
        }
        if let Some(entry) = cache.entries.get_mut(key) {
            entry.refreshing = false;
        }
    }

    /// One read at cold start, answer unused, so that the connection to the table is open
    /// before the first message (its read would otherwise pay the TCP and TLS handshake,
    /// which can exceed the lookup timeout). A failure is logged and changes nothing.
    pub async fn warm_up(&self) {
        let started = Instant::now();
        match tokio::time::timeout(
            WARM_UP_TIMEOUT,
            self.source.current_ban("warm-up", "warm-up"),
        )
        .await
        {
            Ok(Ok(_)) => tracing::info!(
                took_ms = started.elapsed().as_millis(),
                "ban check warmed up: the state table answered"
            ),
            Ok(Err(error)) => {
                tracing::warn!(%error, "ban check warm-up read failed; messages will retry")
            }
            Err(_) => tracing::warn!(
                timeout_ms = WARM_UP_TIMEOUT.as_millis(),
                "ban check warm-up read timed out; messages will retry"
            ),
        }
    }

    /// Logs and counts a check that got no fresh answer, and says what it applied.
    fn skipped(&self, room_id: &str, user_id: &str, reason: SkipReason, applied: &str) {
        tracing::warn!(
            room_id,
            user_id,
            reason = reason.as_str(),
            applied,
            "ban check skipped; applying BAN_CHECK_ON_FAILURE unless a recent answer is known"
        );
        // One write; a closed stdout must not fail the review.
        let _ = writeln!(
            std::io::stdout().lock(),
            "{}",
            skipped_metric(reason, crate::timestamp_ms())
        );
    }

    /// Whether `user_id` may speak in room `room_id`: from the cache when fresh, else after at
    /// most one read bounded by the lookup timeout (see the module documentation).
    pub async fn check(self: &Arc<Self>, room_id: &str, user_id: &str) -> BanVerdict {
        let key = (room_id.to_owned(), user_id.to_owned());
        let now = Instant::now();
        let (cached, skip_read) = {
            let mut cache = self.lock();
            let skip_read = if cache.circuit_open_until.is_some_and(|until| now < until) {
                Some(SkipReason::CircuitOpen)
            } else if cache
                .failed_at
                .get(&key)
                .is_some_and(|at| now.duration_since(*at) < RETRY_AFTER)
            {
                Some(SkipReason::RecentFailure)
            } else {
                None
            };
            let fresh_for = self.settings.fresh_for;
            let cached = cache.entries.get_mut(&key).map(|entry| {
                let age = now.duration_since(entry.read_at);
                let start_refresh = age >= fresh_for / 2 && age < fresh_for && !entry.refreshing;
                if start_refresh {
                    entry.refreshing = true;
                }
                (*entry, age, start_refresh)
            });
            (cached, skip_read)
        };
        if let Some((entry, age, start_refresh)) = cached
            && age < self.settings.fresh_for
        {
            if start_refresh {
                self.refresh_in_background(key);
            }
            return Self::verdict(entry.ban);
        }
        let stale = cached.filter(|(_, age, _)| *age < STALE_FALLBACK);
        let reason = match skip_read {
            Some(reason) => reason,
            None => {
                let read = tokio::time::timeout(
                    self.settings.lookup_timeout,
                    self.source.current_ban(room_id, user_id),
                )
                .await;
                match read {
                    Ok(Ok(ban)) => {
                        self.remember(key, ban);
                        return Self::verdict(ban);
                    }
                    Ok(Err(error)) => {
                        tracing::warn!(%error, "ban check read failed");
                        self.failed(&key);
                        SkipReason::Error
                    }
                    Err(_) => {
                        self.failed(&key);
                        SkipReason::Timeout
                    }
                }
            }
        };
        let (verdict, applied) = match (stale, self.settings.on_failure) {
            (Some((entry, _, _)), _) => (Self::verdict(entry.ban), "stale"),
            (None, FailureMode::Allow) => (BanVerdict::Clear, "allow"),
            (None, FailureMode::Deny) => (BanVerdict::Unavailable, "deny"),
        };
        self.skipped(room_id, user_id, reason, applied);
        verdict
    }

    fn refresh_in_background(self: &Arc<Self>, key: (String, String)) {
        let check = Arc::clone(self);
        // Only inside a runtime (always, in the Lambda); the answer in hand is used meanwhile.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let read = tokio::time::timeout(
                    check.settings.lookup_timeout * 4,
                    check.source.current_ban(&key.0, &key.1),
                )
                .await;
                match read {
                    Ok(Ok(ban)) => check.remember(key, ban),
                    _ => check.failed(&key),
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Counting {
        reads: Arc<AtomicUsize>,
        ban: Option<ActiveBan>,
    }

    impl BanLookup for Counting {
        fn current_ban<'a>(
            &'a self,
            _room: &'a str,
            _user: &'a str,
        ) -> toolkit_state::BanLookupFuture<'a> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            Box::pin(std::future::ready(Ok(self.ban)))
        }
    }

    #[tokio::test]
    async fn a_fresh_answer_is_used_without_a_read() {
        let reads = Arc::new(AtomicUsize::new(0));
        let ban = ActiveBan {
            until: None,
            everywhere: false,
        };
        let check = CachedBanCheck::new(
            Counting {
                reads: reads.clone(),
                ban: Some(ban),
            },
            BanCheckSettings::default(),
        );
        for _ in 0..100 {
            assert_eq!(check.check("room", "u").await, BanVerdict::Banned(ban));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert_eq!(check.check("room", "other").await, BanVerdict::Banned(ban));
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn an_ended_timeout_no_longer_bans() {
        let ended = ActiveBan {
            until: Some(unix_seconds(SystemTime::now()) - 1),
            everywhere: false,
        };
        assert_eq!(CachedBanCheck::verdict(Some(ended)), BanVerdict::Clear);
        assert_eq!(
            denial_reason(&ActiveBan {
                until: Some(1_767_226_200),
                everywhere: true
            }),
            "You are timed out until 2026-01-01T00:10:00Z."
        );
    }

    #[test]
    fn a_skipped_check_is_one_emf_record_by_reason() {
        for reason in [
            SkipReason::Timeout,
            SkipReason::Error,
            SkipReason::RecentFailure,
            SkipReason::CircuitOpen,
        ] {
            let record: serde_json::Value =
                serde_json::from_str(&skipped_metric(reason, 1_767_225_600_000)).expect("JSON");
            assert_eq!(record["Reason"], reason.as_str());
            assert_eq!(record["BanChecksSkipped"], 1);
            let metrics = &record["_aws"]["CloudWatchMetrics"][0];
            assert_eq!(metrics["Namespace"], crate::METRICS_NAMESPACE);
            assert_eq!(metrics["Dimensions"], serde_json::json!([["Reason"]]));
            assert_eq!(metrics["Metrics"][0]["Name"], "BanChecksSkipped");
        }
    }

    #[test]
    fn settings_are_bounded_and_name_the_variable() {
        let read = |pairs: &[(&'static str, &'static str)]| {
            let vars: BTreeMap<&str, &str> = pairs.iter().copied().collect();
            BanCheckSettings::from_config(&ConfigReader::new(&vars))
        };
        assert_eq!(read(&[]), Ok(BanCheckSettings::default()));
        assert_eq!(
            read(&[("BAN_LOOKUP_TIMEOUT_MS", "500")])
                .expect_err("beyond the budget")
                .variable,
            "BAN_LOOKUP_TIMEOUT_MS"
        );
        assert_eq!(
            read(&[("BAN_CHECK_ON_FAILURE", "maybe")])
                .expect_err("not a mode")
                .variable,
            "BAN_CHECK_ON_FAILURE"
        );
        assert_eq!(
            read(&[("BAN_CHECK_ON_FAILURE", "deny")]).map(|s| s.on_failure),
            Ok(FailureMode::Deny)
        );
    }
}
