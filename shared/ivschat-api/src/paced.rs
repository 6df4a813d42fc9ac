//! [`PacedChatClient`]: IVS Chat calls that stay within the service's control-plane rates
//! (docs/ivs-chat.md §3) and retry what may succeed later.
//!
//! Each category of operation has its own [`RateLimiter`] that spaces calls evenly; a
//! [`Pacer`] bundles the limiters with a bounded [`RetryPolicy`] that retries only failures for
//! which [`IvsChatError::is_retryable`] is true, backing off exponentially. Each method of the
//! paced client knows its own operation's [`ApiCategory`], so no caller ever picks one.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use crate::managed::TagChanges;
use crate::model::{
    CreateLoggingConfigurationRequest, CreateRoomRequest, DeleteMessageRequest,
    DisconnectUserRequest, ListRoomsRequest, LoggingConfiguration, Room, RoomSummary,
    SendEventRequest, TagResourceRequest, UntagResourceRequest, UpdateLoggingConfigurationRequest,
    UpdateRoomRequest,
};
use crate::{
    ChatClient, ClientSettings, IvsChatError, LoggingConfigurationArn, ResourceArn, RoomArn,
    collect_all_pages,
};
use serde::Serialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Spaces calls so that no more than `per_second` start in any second, evenly apart.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next_free: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter allowing `per_second` calls per second (at least one).
    pub fn per_second(per_second: u32) -> Self {
        Self {
            interval: Duration::from_secs(1) / per_second.max(1),
            next_free: Mutex::new(None),
        }
    }

    /// The spacing between two calls.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits until the next call may start, and reserves that slot.
    pub async fn acquire(&self) {
        let wait_until = {
            let mut next_free = self.next_free.lock().await;
            let now = Instant::now();
            let slot = next_free.map_or(now, |t| t.max(now));
            *next_free = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(wait_until).await;
    }
}

/// The control-plane categories that IVS Chat rate-limits separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiCategory {
    /// CreateRoom, DeleteRoom, GetRoom, ListRooms, UpdateRoom: 5 per second.
    Rooms,
    /// Create/Delete/Get/List/UpdateLoggingConfiguration: 3 per second.
    LoggingConfigurations,
    /// ListTagsForResource, TagResource, UntagResource: 10 per second.
    Tags,
    /// SendEvent, DeleteMessage, DisconnectUser: 100 per second.
    Messaging,
}

/// Calls per second allowed in each category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlPlaneRates {
    /// Room operations.
    pub rooms: u32,
    /// Logging-configuration operations.
    pub logging_configurations: u32,
    /// Tag operations.
    pub tags: u32,
    /// SendEvent and the other messaging operations.
    pub messaging: u32,
}

impl Default for ControlPlaneRates {
    /// The service quotas: 5, 3, 10 and 100 per second.
    fn default() -> Self {
        Self {
            rooms: 5,
            logging_configurations: 3,
            tags: 10,
            messaging: 100,
        }
    }
}

/// How often and how patiently a failed call is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included (at least 1).
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled after each further failure.
    pub base_delay: Duration,
    /// Longest wait between attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, waiting 200 ms, 400 ms, 800 ms (at most 2 s).
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based).
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// The result of a paced call and how many attempts it took.
#[derive(Debug)]
pub struct Attempted<T> {
    /// The last attempt's result.
    pub result: Result<T, IvsChatError>,
    /// Attempts made (1 when the first succeeded or failed for good).
    pub attempts: u32,
}

/// One rate limiter per category plus the retry policy: everything a caller needs to call IVS
/// Chat politely. Build one per invocation or share one per cold start.
#[derive(Debug)]
pub struct Pacer {
    rooms: RateLimiter,
    logging_configurations: RateLimiter,
    tags: RateLimiter,
    messaging: RateLimiter,
    retry: RetryPolicy,
}

impl Default for Pacer {
    fn default() -> Self {
        Self::new(ControlPlaneRates::default(), RetryPolicy::default())
    }
}

impl Pacer {
    /// A pacer with these rates and this retry policy.
    pub fn new(rates: ControlPlaneRates, retry: RetryPolicy) -> Self {
        Self {
            rooms: RateLimiter::per_second(rates.rooms),
            logging_configurations: RateLimiter::per_second(rates.logging_configurations),
            tags: RateLimiter::per_second(rates.tags),
            messaging: RateLimiter::per_second(rates.messaging),
            retry,
        }
    }

    /// The limiter for `category`.
    pub fn limiter(&self, category: ApiCategory) -> &RateLimiter {
        match category {
            ApiCategory::Rooms => &self.rooms,
            ApiCategory::LoggingConfigurations => &self.logging_configurations,
            ApiCategory::Tags => &self.tags,
            ApiCategory::Messaging => &self.messaging,
        }
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// Calls `operation` within `category`'s rate, retrying retryable failures with backoff up
    /// to the policy's attempts. Every attempt waits for its own rate slot. Private: callers go
    /// through [`PacedChatClient`], whose methods each know their category.
    pub(crate) async fn call<T, F, Fut>(
        &self,
        category: ApiCategory,
        mut operation: F,
    ) -> Attempted<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, IvsChatError>>,
    {
        let max_attempts = self.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.limiter(category).acquire().await;
            let result = operation().await;
            match result {
                Err(error) if error.is_retryable() && attempt < max_attempts => {
                    tracing::warn!(
                        category = ?category,
                        attempt,
                        error_kind = error.kind(),
                        "retryable IVS Chat failure; backing off"
                    );
                    tokio::time::sleep(self.retry.delay_after(attempt)).await;
                }
                result => {
                    return Attempted {
                        result,
                        attempts: attempt,
                    };
                }
            }
        }
    }
}

/// The IVS Chat client for background work (schedules, stream events, admin routes): every call
/// waits for a slot in its operation's rate category and retryable failures are retried with
/// backoff. Build it once per cold start and share it.
///
/// Its [`ChatClient`] must make one SDK attempt per call ([`PacedChatClient::client_settings`]):
/// the pacer owns retries, and the two must not multiply.
#[derive(Debug)]
pub struct PacedChatClient {
    client: ChatClient,
    pacer: Pacer,
}

impl PacedChatClient {
    /// Client settings for calls made through a pacer: one SDK attempt each, because the
    /// pacer owns retries (with backoff per category).
    pub fn client_settings() -> ClientSettings {
        ClientSettings {
            max_attempts: 1,
            ..ClientSettings::default()
        }
    }

    /// Paces `client` with `pacer`.
    pub fn new(client: ChatClient, pacer: Pacer) -> Self {
        Self { client, pacer }
    }

    /// A client from the standard AWS configuration, with the service's default rates and
    /// retry policy.
    pub fn from_sdk_config(config: &aws_config::SdkConfig) -> Self {
        Self::new(
            ChatClient::from_sdk_config(config, Self::client_settings()),
            Pacer::default(),
        )
    }

    /// The unpaced client underneath.
    pub fn unpaced(&self) -> &ChatClient {
        &self.client
    }

    /// The pacer.
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// CreateRoom, at the room rate.
    pub async fn create_room(&self, request: &CreateRoomRequest) -> Attempted<Room> {
        self.pacer
            .call(ApiCategory::Rooms, || self.client.create_room(request))
            .await
    }

    /// GetRoom, at the room rate.
    pub async fn get_room(&self, room: &RoomArn) -> Attempted<Room> {
        self.pacer
            .call(ApiCategory::Rooms, || self.client.get_room(room))
            .await
    }

    /// UpdateRoom, at the room rate.
    pub async fn update_room(&self, request: &UpdateRoomRequest) -> Attempted<Room> {
        self.pacer
            .call(ApiCategory::Rooms, || self.client.update_room(request))
            .await
    }

    /// DeleteRoom, at the room rate.
    pub async fn delete_room(&self, room: &RoomArn) -> Attempted<()> {
        self.pacer
            .call(ApiCategory::Rooms, || self.client.delete_room(room))
            .await
    }

    /// Every room in the account and Region, each ListRooms page at the room rate. Fails rather
    /// than return more than `cap` rooms, or on the first page that still fails after retries.
    pub async fn list_all_rooms(&self, cap: usize) -> Result<Vec<RoomSummary>, IvsChatError> {
        let request = &ListRoomsRequest::default();
        collect_all_pages(cap, |token| async move {
            let page = self
                .pacer
                .call(ApiCategory::Rooms, || {
                    self.client.list_rooms(request, token.as_deref())
                })
                .await
                .result?;
            Ok((page.rooms, page.next_token))
        })
        .await
    }

    /// CreateLoggingConfiguration, at the logging-configuration rate.
    pub async fn create_logging_configuration(
        &self,
        request: &CreateLoggingConfigurationRequest,
    ) -> Attempted<LoggingConfiguration> {
        self.pacer
            .call(ApiCategory::LoggingConfigurations, || {
                self.client.create_logging_configuration(request)
            })
            .await
    }

    /// UpdateLoggingConfiguration, at the logging-configuration rate.
    pub async fn update_logging_configuration(
        &self,
        request: &UpdateLoggingConfigurationRequest,
    ) -> Attempted<LoggingConfiguration> {
        self.pacer
            .call(ApiCategory::LoggingConfigurations, || {
                self.client.update_logging_configuration(request)
            })
            .await
    }

    /// DeleteLoggingConfiguration, at the logging-configuration rate.
    pub async fn delete_logging_configuration(
        &self,
        logging_configuration: &LoggingConfigurationArn,
    ) -> Attempted<()> {
        self.pacer
            .call(ApiCategory::LoggingConfigurations, || {
                self.client
                    .delete_logging_configuration(logging_configuration)
            })
            .await
    }

    /// Every logging configuration in the account and Region, each page at the
    /// logging-configuration rate. Fails rather than return more than `cap`.
    pub async fn list_all_logging_configurations(
        &self,
        cap: usize,
    ) -> Result<Vec<LoggingConfiguration>, IvsChatError> {
        collect_all_pages(cap, |token| async move {
            let page = self
                .pacer
                .call(ApiCategory::LoggingConfigurations, || {
                    self.client
                        .list_logging_configurations(None, token.as_deref())
                })
                .await
                .result?;
            Ok((page.logging_configurations, page.next_token))
        })
        .await
    }

    /// TagResource, at the tag rate.
    pub async fn tag_resource(&self, request: &TagResourceRequest) -> Attempted<()> {
        self.pacer
            .call(ApiCategory::Tags, || self.client.tag_resource(request))
            .await
    }

    /// UntagResource, at the tag rate.
    pub async fn untag_resource(&self, request: &UntagResourceRequest) -> Attempted<()> {
        self.pacer
            .call(ApiCategory::Tags, || self.client.untag_resource(request))
            .await
    }

    /// ListTagsForResource, at the tag rate.
    pub async fn list_tags_for_resource(
        &self,
        resource: &ResourceArn,
    ) -> Attempted<BTreeMap<String, String>> {
        self.pacer
            .call(ApiCategory::Tags, || {
                self.client.list_tags_for_resource(resource)
            })
            .await
    }

    /// Applies `changes` to `resource`: TagResource for additions and replacements, then
    /// UntagResource for removals, each at the tag rate. Stops at the first failure; the
    /// attempts of both calls are added up.
    pub async fn apply_tag_changes(
        &self,
        resource: &ResourceArn,
        changes: &TagChanges,
    ) -> Attempted<()> {
        let mut attempts = 0;
        let set = changes.to_set();
        if !set.is_empty() {
            let attempted = self
                .tag_resource(&TagResourceRequest {
                    resource: resource.clone(),
                    tags: set,
                })
                .await;
            attempts += attempted.attempts;
            if attempted.result.is_err() {
                return Attempted {
                    attempts,
                    ..attempted
                };
            }
        }
        if !changes.removed.is_empty() {
            let attempted = self
                .untag_resource(&UntagResourceRequest {
                    resource: resource.clone(),
                    tag_keys: changes.removed.clone(),
                })
                .await;
            attempts += attempted.attempts;
            if attempted.result.is_err() {
                return Attempted {
                    attempts,
                    ..attempted
                };
            }
        }
        Attempted {
            result: Ok(()),
            attempts,
        }
    }

    /// SendEvent, at the messaging rate.
    pub async fn send_event(&self, request: &SendEventRequest) -> Attempted<String> {
        self.pacer
            .call(ApiCategory::Messaging, || self.client.send_event(request))
            .await
    }

    /// DeleteMessage, at the messaging rate.
    pub async fn delete_message(&self, request: &DeleteMessageRequest) -> Attempted<String> {
        self.pacer
            .call(ApiCategory::Messaging, || {
                self.client.delete_message(request)
            })
            .await
    }

    /// DisconnectUser, at the messaging rate.
    pub async fn disconnect_user(&self, request: &DisconnectUserRequest) -> Attempted<()> {
        self.pacer
            .call(ApiCategory::Messaging, || {
                self.client.disconnect_user(request)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn throttled() -> IvsChatError {
        IvsChatError::Throttling {
            message: "slow down".into(),
            resource_id: String::new(),
            resource_type: String::new(),
            limit: 5,
        }
    }

    fn fast_retry(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        }
    }

    fn fast_rates() -> ControlPlaneRates {
        ControlPlaneRates {
            rooms: 1000,
            logging_configurations: 1000,
            tags: 1000,
            messaging: 1000,
        }
    }

    #[tokio::test]
    async fn limiter_spaces_calls_by_its_interval() {
        // GIVEN a limiter of 20 calls per second (50 ms apart)
        let limiter = RateLimiter::per_second(20);
        let start = Instant::now();
        // WHEN five calls acquire a slot
        for _ in 0..5 {
            limiter.acquire().await;
        }
        // THEN the fifth started no earlier than four intervals after the first
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(200), "took {elapsed:?}");
        assert!(elapsed < Duration::from_millis(1000), "took {elapsed:?}");
    }

    #[test]
    fn the_default_retry_policy_makes_4_attempts_waiting_200_400_800_ms() {
        // GIVEN the default retry policy WHEN its waits are read THEN they double from 200 ms,
        // within the 2 s cap, over 4 attempts
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_attempts, 4);
        assert_eq!(policy.max_delay, Duration::from_secs(2));
        let waits: Vec<Duration> = (1..policy.max_attempts)
            .map(|attempt| policy.delay_after(attempt))
            .collect();
        assert_eq!(waits, [200, 400, 800].map(Duration::from_millis).to_vec());
    }

    #[tokio::test]
    async fn default_rates_follow_the_service_quotas() {
        // GIVEN the default pacer WHEN its limiters are inspected THEN they match docs/ivs-chat.md §3
        let pacer = Pacer::default();
        assert_eq!(
            pacer.limiter(ApiCategory::Rooms).interval(),
            Duration::from_millis(200)
        );
        assert_eq!(
            pacer.limiter(ApiCategory::LoggingConfigurations).interval(),
            Duration::from_secs(1) / 3
        );
        assert_eq!(
            pacer.limiter(ApiCategory::Tags).interval(),
            Duration::from_millis(100)
        );
    }

    #[tokio::test]
    async fn retries_throttling_until_it_succeeds() {
        // GIVEN an operation throttled twice, then successful
        let pacer = Pacer::new(fast_rates(), fast_retry(4));
        let calls = AtomicU32::new(0);
        // WHEN it is called through the pacer
        let outcome = pacer
            .call(ApiCategory::Rooms, || async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(throttled())
                } else {
                    Ok("done")
                }
            })
            .await;
        // THEN the third attempt's success is returned
        assert_eq!(outcome.result, Ok("done"));
        assert_eq!(outcome.attempts, 3);
    }

    #[tokio::test]
    async fn gives_up_after_the_last_attempt() {
        // GIVEN an operation that is always throttled and a 3-attempt policy
        let pacer = Pacer::new(fast_rates(), fast_retry(3));
        // WHEN it is called
        let outcome: Attempted<()> = pacer
            .call(ApiCategory::Tags, || async { Err(throttled()) })
            .await;
        // THEN it fails with the throttling error after exactly 3 attempts
        assert_eq!(outcome.attempts, 3);
        assert_eq!(outcome.result.map_err(|e| e.kind()), Err("Throttling"));
    }

    #[tokio::test]
    async fn does_not_retry_what_cannot_succeed() {
        // GIVEN an operation failing with a not-found error
        let pacer = Pacer::new(fast_rates(), fast_retry(5));
        let calls = AtomicU32::new(0);
        // WHEN it is called
        let outcome: Attempted<()> = pacer
            .call(ApiCategory::Rooms, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(IvsChatError::ResourceNotFound {
                    message: "gone".into(),
                    resource_id: "x".into(),
                    resource_type: "ROOM".into(),
                })
            })
            .await;
        // THEN it was attempted once
        assert_eq!(outcome.attempts, 1);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        assert_eq!(policy.delay_after(1), Duration::from_millis(100));
        assert_eq!(policy.delay_after(2), Duration::from_millis(200));
        assert_eq!(policy.delay_after(3), Duration::from_millis(350));
    }
}
