//! Ban records: room bans and deployment-wide bans, permanent or timed (a timeout is a ban
//! with an expiry).
//!
//! | Ban | `pk` | `sk` |
//! |---|---|---|
//! | in one room | `ban#room#<roomId>` | `user#<userId>` |
//! | in every room of the deployment | `ban#deployment` | `user#<userId>` |
//!
//! Each item also holds `userId`, `roomId` (room bans), `reason`, `bannedBy`, `createdAt`
//! (unix seconds), `version` and, for timeouts only, [`EXPIRES_AT`] (unix seconds), which is
//! the table's TTL attribute: DynamoDB deletes an expired timeout some time after it ends, and
//! every read here treats it as absent from the second it ends.
//!
//! Every write is conditional, so two moderators acting at once never lose each other's
//! changes: a ban is created only where no active ban exists ([`BanPrecondition::NoActiveBan`]),
//! and an active ban is replaced or lifted only at the version the caller last read
//! ([`BanPrecondition::Version`]). A refused write reports the ban that stands.
//!
//! Every function that needs to know whether a sender is banned asks the same question through
//! [`BanLookup`] and gets the same answer, an [`ActiveBan`]; each keeps only its own wording of
//! it (the review handler's denial reason, the token API's refusal).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use crate::{EXPIRES_AT, PARTITION_KEY, SORT_KEY, StateError, StateTable, classify, unix_seconds};

/// Longest user id, in characters: IVS Chat's userId rule (docs/ivs-chat.md §2.3), defined
/// once in `ivschat_api::validate`.
pub const MAX_USER_ID_CHARS: usize = ivschat_api::validate::MAX_USER_ID_LENGTH;
/// Most bans one page of [`StateTable::list_bans`] returns.
pub const MAX_PAGE_SIZE: i32 = 100;
/// Longest timeout, in seconds: 14 days (Twitch's longest). Moderators' timeouts and the
/// escalation ladder's steps are both held to it.
pub const MAX_TIMEOUT_SECONDS: u64 = 14 * 24 * 60 * 60;

/// The ban that keeps a sender out of a room: the one answer every function needs from the
/// table, whatever it then tells the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveBan {
    /// When a timeout ends, unix seconds; `None` for a ban until lifted.
    pub until: Option<u64>,
    /// True for a deployment-wide ban (every room), false for this room only.
    pub everywhere: bool,
}

impl ActiveBan {
    /// True while it applies at `now` (unix seconds).
    pub fn is_active(&self, now: u64) -> bool {
        self.until.is_none_or(|end| end > now)
    }

    /// When a timeout ends, as RFC 3339 UTC text; `None` for a ban until lifted.
    pub fn until_rfc3339(&self) -> Option<String> {
        self.until.map(rfc3339)
    }
}

impl From<&BanRecord> for ActiveBan {
    fn from(ban: &BanRecord) -> Self {
        Self {
            until: ban.expires_at,
            everywhere: ban.scope == BanScope::Deployment,
        }
    }
}

/// The future a [`BanLookup`] returns.
pub type BanLookupFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<ActiveBan>, StateError>> + Send + 'a>>;

/// Where the functions ask whether a sender is banned: the ban keeping `user_id` out of room
/// `room_id` now (the room's ban or the deployment-wide one, whichever lasts longer), or `None`.
/// [`StateTable`] answers from the table; [`NoBans`] where no table is configured; tests answer
/// with their own.
pub trait BanLookup: Send + Sync + 'static {
    /// The active ban of `user_id` in room `room_id` now, or `None`; `Err` when the table did
    /// not answer (each caller has its own failure rule).
    fn current_ban<'a>(&'a self, room_id: &'a str, user_id: &'a str) -> BanLookupFuture<'a>;
}

impl BanLookup for StateTable {
    fn current_ban<'a>(&'a self, room_id: &'a str, user_id: &'a str) -> BanLookupFuture<'a> {
        Box::pin(async move {
            let ban = self.active_ban(room_id, user_id, SystemTime::now()).await?;
            Ok(ban.as_ref().map(ActiveBan::from))
        })
    }
}

/// The lookup where no state table is configured (local runs without DynamoDB): nobody is
/// banned.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBans;

impl BanLookup for NoBans {
    fn current_ban<'a>(&'a self, _room_id: &'a str, _user_id: &'a str) -> BanLookupFuture<'a> {
        Box::pin(std::future::ready(Ok(None)))
    }
}

const DEPLOYMENT_PARTITION: &str = "ban#deployment";
const USER_PREFIX: &str = "user#";

/// Where a ban applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BanScope {
    /// One room, by its 12-character id.
    Room(String),
    /// Every room of the deployment.
    Deployment,
}

impl BanScope {
    /// `room` or `deployment`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Room(_) => "room",
            Self::Deployment => "deployment",
        }
    }

    /// The room id of a room ban.
    pub fn room_id(&self) -> Option<&str> {
        match self {
            Self::Room(id) => Some(id),
            Self::Deployment => None,
        }
    }

    fn partition(&self) -> String {
        match self {
            Self::Room(id) => format!("ban#room#{id}"),
            Self::Deployment => DEPLOYMENT_PARTITION.to_owned(),
        }
    }

    fn check(&self) -> Result<(), StateError> {
        match self {
            Self::Room(id) => crate::check_key("roomId", id),
            Self::Deployment => Ok(()),
        }
    }
}

/// A ban as stored: who is banned where, by whom, why, since and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanRecord {
    /// Where it applies.
    pub scope: BanScope,
    /// The banned user.
    pub user_id: String,
    /// Why, as the moderator gave it.
    pub reason: Option<String>,
    /// Who banned: `user:<id>`, `webhook` or `escalation`.
    pub banned_by: String,
    /// When the ban was written, unix seconds.
    pub created_at: u64,
    /// When a timeout ends, unix seconds; `None` for a permanent ban.
    pub expires_at: Option<u64>,
    /// Changes on every write; pass it back in [`BanPrecondition::Version`] to change or lift
    /// exactly this ban.
    pub version: u64,
}

impl BanRecord {
    /// True while the ban applies at `now` (unix seconds): permanent, or not yet ended.
    pub fn is_active(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|end| end > now)
    }

    /// True when this ban lasts at least as long as `other`.
    pub fn outlasts(&self, other: &BanRecord) -> bool {
        match (self.expires_at, other.expires_at) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a >= b,
        }
    }
}

/// A ban to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBan {
    /// Where it applies.
    pub scope: BanScope,
    /// The user (1–128 characters).
    pub user_id: String,
    /// Why.
    pub reason: Option<String>,
    /// Who bans (for the record).
    pub banned_by: String,
    /// When a timeout ends, unix seconds (must be after `now`); `None` for a permanent ban.
    pub expires_at: Option<u64>,
}

/// What must hold for a ban write or removal to go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BanPrecondition {
    /// No active ban exists (an ended timeout counts as none).
    NoActiveBan,
    /// The active ban is at this version (as last read).
    Version(u64),
}

/// What a conditional ban write found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BanWrite {
    /// Written; the ban as stored now.
    Applied(BanRecord),
    /// Refused because the precondition did not hold; the ban that stands, if any.
    Conflict(Option<BanRecord>),
}

/// What a conditional ban removal found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BanRemoval {
    /// Removed; the ban as it was.
    Removed(BanRecord),
    /// No active ban to remove.
    NotBanned,
    /// An active ban exists at another version than the one given; it stands.
    Conflict(BanRecord),
}

/// One page of a scope's active bans, in user id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanPage {
    /// The active bans of this page (possibly fewer than asked for, even none, when ended
    /// timeouts were skipped).
    pub bans: Vec<BanRecord>,
    /// The user id to continue after, when there may be more.
    pub next_after: Option<String>,
}

fn millis(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH).map_or(0, |elapsed| {
        u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
    })
}

fn check_user(user_id: &str) -> Result<(), StateError> {
    if user_id.is_empty() || user_id.chars().count() > MAX_USER_ID_CHARS {
        Err(StateError::Invalid {
            field: "userId",
            rule: "must be 1 to 128 characters",
        })
    } else {
        Ok(())
    }
}

fn key(scope: &BanScope, user_id: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (
            PARTITION_KEY.to_owned(),
            AttributeValue::S(scope.partition()),
        ),
        (
            SORT_KEY.to_owned(),
            AttributeValue::S(format!("{USER_PREFIX}{user_id}")),
        ),
    ])
}

fn number(item: &HashMap<String, AttributeValue>, name: &str) -> Option<u64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

fn string(item: &HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name)?.as_s().ok().cloned()
}

/// The ban in `item`, or `None` when the item is not a well-formed ban.
fn record(item: &HashMap<String, AttributeValue>) -> Option<BanRecord> {
    let partition = string(item, PARTITION_KEY)?;
    let scope = if partition == DEPLOYMENT_PARTITION {
        BanScope::Deployment
    } else {
        BanScope::Room(partition.strip_prefix("ban#room#")?.to_owned())
    };
    let user_id = string(item, SORT_KEY)?
        .strip_prefix(USER_PREFIX)?
        .to_owned();
    Some(BanRecord {
        scope,
        user_id,
        reason: string(item, "reason"),
        banned_by: string(item, "bannedBy").unwrap_or_default(),
        created_at: number(item, "createdAt").unwrap_or(0),
        expires_at: number(item, EXPIRES_AT),
        version: number(item, "version").unwrap_or(0),
    })
}

impl StateTable {
    /// Writes `ban` if `precondition` holds at `now`, in one conditional `PutItem`. Of two
    /// moderators banning the same user at once with [`BanPrecondition::NoActiveBan`], exactly
    /// one gets [`BanWrite::Applied`] and the other [`BanWrite::Conflict`] with the winner's
    /// ban. Fails with [`StateError::InvalidKey`] or [`StateError::Invalid`] for a bad room or
    /// user id, or a timeout that ends at or before `now`.
    pub async fn put_ban(
        &self,
        ban: &NewBan,
        precondition: BanPrecondition,
        now: SystemTime,
    ) -> Result<BanWrite, StateError> {
        ban.scope.check()?;
        check_user(&ban.user_id)?;
        let now_seconds = unix_seconds(now);
        if ban.expires_at.is_some_and(|end| end <= now_seconds) {
            return Err(StateError::Invalid {
                field: "expiresAt",
                rule: "must be later than now",
            });
        }
        // Changes on every write, even a rewrite of an identical ban: the write's time in
        // milliseconds, or one more than the version replaced when that is later.
        let version = match precondition {
            BanPrecondition::Version(previous) => millis(now).max(previous.saturating_add(1)),
            BanPrecondition::NoActiveBan => millis(now),
        };
        let mut item = key(&ban.scope, &ban.user_id);
        item.insert("userId".into(), AttributeValue::S(ban.user_id.clone()));
        if let Some(room) = ban.scope.room_id() {
            item.insert("roomId".into(), AttributeValue::S(room.to_owned()));
        }
        if let Some(reason) = &ban.reason {
            item.insert("reason".into(), AttributeValue::S(reason.clone()));
        }
        item.insert("bannedBy".into(), AttributeValue::S(ban.banned_by.clone()));
        item.insert(
            "createdAt".into(),
            AttributeValue::N(now_seconds.to_string()),
        );
        item.insert("version".into(), AttributeValue::N(version.to_string()));
        if let Some(end) = ban.expires_at {
            item.insert(EXPIRES_AT.into(), AttributeValue::N(end.to_string()));
        }
        let stored = record(&item);
        let request = self
            .client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(item))
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":now", AttributeValue::N(now_seconds.to_string()));
        let request = match precondition {
            BanPrecondition::NoActiveBan => request
                .condition_expression("attribute_not_exists(#pk) OR #exp <= :now"),
            BanPrecondition::Version(expected) => request
                .condition_expression(
                    "attribute_exists(#pk) AND #ver = :ver AND (attribute_not_exists(#exp) OR #exp > :now)",
                )
                .expression_attribute_names("#ver", "version")
                .expression_attribute_values(":ver", AttributeValue::N(expected.to_string())),
        };
        match request.send().await {
            Ok(_) => stored.map(BanWrite::Applied).ok_or(StateError::Invalid {
                field: "userId",
                rule: "must be 1 to 128 characters",
            }),
            Err(SdkError::ServiceError(service))
                if matches!(
                    service.err(),
                    PutItemError::ConditionalCheckFailedException(_)
                ) =>
            {
                let current = self.get_ban(&ban.scope, &ban.user_id, now).await?;
                Ok(BanWrite::Conflict(current))
            }
            Err(error) => Err(classify("PutItem", &error)),
        }
    }

    /// The active ban of `user_id` in `scope` at `now` (a strongly consistent read), or `None`.
    pub async fn get_ban(
        &self,
        scope: &BanScope,
        user_id: &str,
        now: SystemTime,
    ) -> Result<Option<BanRecord>, StateError> {
        scope.check()?;
        check_user(user_id)?;
        let output = self
            .client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(key(scope, user_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| classify("GetItem", &error))?;
        let now_seconds = unix_seconds(now);
        Ok(output
            .item()
            .and_then(record)
            .filter(|ban| ban.is_active(now_seconds)))
    }

    /// The ban that keeps `user_id` out of room `room_id` at `now`: the room ban or the
    /// deployment-wide ban, whichever lasts longer; `None` when neither is active. Both are
    /// read at once.
    pub async fn active_ban(
        &self,
        room_id: &str,
        user_id: &str,
        now: SystemTime,
    ) -> Result<Option<BanRecord>, StateError> {
        let room = BanScope::Room(room_id.to_owned());
        let (in_room, everywhere) = tokio::join!(
            self.get_ban(&room, user_id, now),
            self.get_ban(&BanScope::Deployment, user_id, now)
        );
        Ok(match (in_room?, everywhere?) {
            (Some(a), Some(b)) => Some(if a.outlasts(&b) { a } else { b }),
            (a, b) => a.or(b),
        })
    }

    /// Lifts the active ban of `user_id` in `scope`, if `precondition` holds
    /// ([`BanPrecondition::NoActiveBan`] here means "whatever version"), in one conditional
    /// `DeleteItem`.
    pub async fn remove_ban(
        &self,
        scope: &BanScope,
        user_id: &str,
        precondition: BanPrecondition,
        now: SystemTime,
    ) -> Result<BanRemoval, StateError> {
        scope.check()?;
        check_user(user_id)?;
        let now_seconds = unix_seconds(now);
        let request = self
            .client
            .delete_item()
            .table_name(&self.name)
            .set_key(Some(key(scope, user_id)))
            .return_values(ReturnValue::AllOld)
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":now", AttributeValue::N(now_seconds.to_string()));
        let request = match precondition {
            BanPrecondition::NoActiveBan => request.condition_expression(
                "attribute_exists(#pk) AND (attribute_not_exists(#exp) OR #exp > :now)",
            ),
            BanPrecondition::Version(expected) => request
                .condition_expression(
                    "attribute_exists(#pk) AND #ver = :ver AND (attribute_not_exists(#exp) OR #exp > :now)",
                )
                .expression_attribute_names("#ver", "version")
                .expression_attribute_values(":ver", AttributeValue::N(expected.to_string())),
        };
        match request.send().await {
            Ok(output) => Ok(match output.attributes().and_then(record) {
                Some(ban) => BanRemoval::Removed(ban),
                None => BanRemoval::NotBanned,
            }),
            Err(SdkError::ServiceError(service))
                if matches!(
                    service.err(),
                    DeleteItemError::ConditionalCheckFailedException(_)
                ) =>
            {
                Ok(match self.get_ban(scope, user_id, now).await? {
                    Some(current) => BanRemoval::Conflict(current),
                    None => BanRemoval::NotBanned,
                })
            }
            Err(error) => Err(classify("DeleteItem", &error)),
        }
    }

    /// One page of the active bans in `scope` at `now`, in user id order: at most `limit`
    /// (1–[`MAX_PAGE_SIZE`]) items are read, starting after user `after` (the previous page's
    /// [`BanPage::next_after`]).
    pub async fn list_bans(
        &self,
        scope: &BanScope,
        limit: i32,
        after: Option<&str>,
        now: SystemTime,
    ) -> Result<BanPage, StateError> {
        scope.check()?;
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(StateError::Invalid {
                field: "limit",
                rule: "must be between 1 and 100",
            });
        }
        if let Some(after) = after {
            check_user(after)?;
        }
        let output = self
            .client
            .query()
            .table_name(&self.name)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_values(":pk", AttributeValue::S(scope.partition()))
            .consistent_read(true)
            .limit(limit)
            .set_exclusive_start_key(after.map(|user| key(scope, user)))
            .send()
            .await
            .map_err(|error| classify("Query", &error))?;
        let now_seconds = unix_seconds(now);
        let bans = output
            .items()
            .iter()
            .filter_map(record)
            .filter(|ban| ban.is_active(now_seconds))
            .collect();
        let next_after = output
            .last_evaluated_key()
            .and_then(|key| string(key, SORT_KEY))
            .and_then(|sort| sort.strip_prefix(USER_PREFIX).map(str::to_owned));
        Ok(BanPage { bans, next_after })
    }
}

/// RFC 3339 UTC text of unix `seconds` (a ban's `expiresAt`), or the number itself where it is
/// outside what RFC 3339 can state.
pub fn rfc3339(seconds: u64) -> String {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|at| {
            at.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ban(expires_at: Option<u64>) -> BanRecord {
        BanRecord {
            scope: BanScope::Deployment,
            user_id: "u".into(),
            reason: None,
            banned_by: "user:m".into(),
            created_at: 10,
            expires_at,
            version: 1,
        }
    }

    #[test]
    fn a_timeout_is_active_until_its_end_and_a_ban_forever() {
        assert!(ban(Some(100)).is_active(99));
        assert!(!ban(Some(100)).is_active(100));
        assert!(ban(None).is_active(u64::MAX));
    }

    #[test]
    fn a_permanent_ban_outlasts_any_timeout() {
        assert!(ban(None).outlasts(&ban(Some(5))));
        assert!(!ban(Some(5)).outlasts(&ban(None)));
        assert!(ban(Some(6)).outlasts(&ban(Some(5))));
    }

    #[test]
    fn items_round_trip_through_their_keys() {
        let mut item = key(&BanScope::Room("ManagedRoom1".into()), "a#b");
        item.insert("version".into(), AttributeValue::N("7".into()));
        let parsed = record(&item).expect("a ban");
        assert_eq!(parsed.scope, BanScope::Room("ManagedRoom1".into()));
        assert_eq!(parsed.user_id, "a#b");
        assert_eq!(parsed.version, 7);
    }
}
