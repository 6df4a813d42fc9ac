//! Bans and timeouts: what a moderator (room) or an admin (deployment-wide) may ask
//! ([`BanAction`]), and how it is carried out ([`BanDesk::execute`]): checked, the room
//! resolved, one conditional write to the state table, then DisconnectUser for a ban or a
//! timeout, so the user leaves at once and cannot come back (the token API refuses them a
//! token; the review handler denies what an older session still sends).
//!
//! A timeout is a ban with an end: 1 second to [`MAX_TIMEOUT_SECONDS`] (14 days, Twitch's
//! longest timeout). A ban or timeout where an active one stands is refused with 409
//! `BanConflict` naming the one that stands, unless the caller passes `expectedVersion`, the
//! `version` it last read; the same holds for lifting one. So two moderators acting at once
//! never silently overwrite each other.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http_api::{ApiError, ErrorCode, JsonObject, ManagedRooms, RoomAccessError};
use ivschat_api::model::DisconnectUserRequest;
use ivschat_api::{ChatClient, Violation, validate};
use serde::Serialize;
use toolkit_state::{
    BanPrecondition, BanRecord, BanRemoval, BanScope, BanWrite, NewBan, StateError, StateTable,
};

/// Longest timeout, in seconds: 14 days.
pub const MAX_TIMEOUT_SECONDS: i64 = 14 * 24 * 60 * 60;
/// Bans per page of a list when the caller does not say.
pub const DEFAULT_PAGE_SIZE: i64 = 50;
/// The reason given to DisconnectUser when the moderator gave none.
pub const DEFAULT_BAN_REASON: &str = "banned by a moderator";

/// One ban action with its arguments, as received (checked by [`BanAction::check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BanAction {
    /// Ban (`duration_seconds` `None`) or time out a user.
    Ban {
        /// Where.
        scope: BanScope,
        /// Who.
        user_id: String,
        /// Why (1–256 code points); kept with the ban and sent with DisconnectUser.
        reason: Option<String>,
        /// A timeout's length; `None` bans until lifted.
        duration_seconds: Option<i64>,
        /// Replace the ban standing at this version, instead of requiring none.
        expected_version: Option<i64>,
        /// For a deployment-wide ban: also disconnect the user from this room now.
        disconnect_room: Option<String>,
    },
    /// Lift a ban or timeout.
    Unban {
        /// Where.
        scope: BanScope,
        /// Who.
        user_id: String,
        /// Why (for the audit line only).
        reason: Option<String>,
        /// Lift only the ban standing at this version.
        expected_version: Option<i64>,
    },
    /// Read one user's active ban.
    Get {
        /// Where.
        scope: BanScope,
        /// Who.
        user_id: String,
    },
    /// Read a page of active bans.
    List {
        /// Where.
        scope: BanScope,
        /// Page size, 1–100.
        limit: i64,
        /// The previous page's `nextToken`.
        next_token: Option<String>,
    },
}

fn body_fields(body: &JsonObject) -> Result<(Option<String>, Option<i64>), Violation> {
    Ok((
        body.optional_string("reason")?.map(str::to_owned),
        body.optional_integer("expectedVersion")?,
    ))
}

impl BanAction {
    /// The action's name: `ban_user`, `timeout_user`, `unban_user`, `get_ban` or `list_bans`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ban {
                duration_seconds: None,
                ..
            } => "ban_user",
            Self::Ban { .. } => "timeout_user",
            Self::Unban { .. } => "unban_user",
            Self::Get { .. } => "get_ban",
            Self::List { .. } => "list_bans",
        }
    }

    /// Where it applies.
    pub fn scope(&self) -> &BanScope {
        match self {
            Self::Ban { scope, .. }
            | Self::Unban { scope, .. }
            | Self::Get { scope, .. }
            | Self::List { scope, .. } => scope,
        }
    }

    /// The room id for the audit line: the room's, or `*` for deployment-wide actions.
    pub fn room_label(&self) -> &str {
        self.scope().room_id().unwrap_or("*")
    }

    /// The user acted on, or `*` for a list.
    pub fn target(&self) -> &str {
        match self {
            Self::Ban { user_id, .. } | Self::Unban { user_id, .. } | Self::Get { user_id, .. } => {
                user_id
            }
            Self::List { .. } => "*",
        }
    }

    /// The reason given, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Ban { reason, .. } | Self::Unban { reason, .. } => reason.as_deref(),
            _ => None,
        }
    }

    /// True for the actions that change something (ban, timeout, unban).
    pub fn writes(&self) -> bool {
        matches!(self, Self::Ban { .. } | Self::Unban { .. })
    }

    /// A ban (`timeout` false) or timeout from a route: body `{reason?, expectedVersion?}`,
    /// plus `durationSeconds` (required) for a timeout and `roomId` (optional) for a
    /// deployment-wide one.
    pub fn ban_from_route(
        scope: BanScope,
        user_id: &str,
        timeout: bool,
        body: &JsonObject,
    ) -> Result<Self, Violation> {
        let mut fields = vec!["reason", "expectedVersion"];
        if timeout {
            fields.push("durationSeconds");
        }
        if scope == BanScope::Deployment {
            fields.push("roomId");
        }
        body.reject_unknown_fields(&fields)?;
        let (reason, expected_version) = body_fields(body)?;
        let duration_seconds = if timeout {
            Some(
                body.optional_integer("durationSeconds")?
                    .ok_or_else(|| Violation::new("durationSeconds", "is required"))?,
            )
        } else {
            None
        };
        Ok(Self::Ban {
            disconnect_room: body.optional_string("roomId")?.map(str::to_owned),
            scope,
            user_id: user_id.to_owned(),
            reason,
            duration_seconds,
            expected_version,
        })
    }

    /// An unban from a route: body `{reason?, expectedVersion?}`.
    pub fn unban_from_route(
        scope: BanScope,
        user_id: &str,
        body: &JsonObject,
    ) -> Result<Self, Violation> {
        body.reject_unknown_fields(&["reason", "expectedVersion"])?;
        let (reason, expected_version) = body_fields(body)?;
        Ok(Self::Unban {
            scope,
            user_id: user_id.to_owned(),
            reason,
            expected_version,
        })
    }

    /// A list from a route's query: `limit` (1–100, default 50) and `nextToken`.
    pub fn list_from_query(
        scope: BanScope,
        limit: Option<&str>,
        next_token: Option<&str>,
    ) -> Result<Self, Violation> {
        let limit = match limit {
            None => DEFAULT_PAGE_SIZE,
            Some(text) => text
                .parse()
                .map_err(|_| Violation::new("limit", "must be an integer between 1 and 100"))?,
        };
        Ok(Self::List {
            scope,
            limit,
            next_token: next_token.map(str::to_owned),
        })
    }

    /// True when a webhook body's `action` names a ban action.
    pub fn is_webhook_action(action: &str) -> bool {
        matches!(
            action,
            "ban_user" | "timeout_user" | "unban_user" | "get_ban" | "list_bans"
        )
    }

    /// A ban action from a webhook body: `action` (`ban_user`, `timeout_user`, `unban_user`,
    /// `get_ban`, `list_bans`), `scope` (`room`, the default, with `roomId`; or `deployment`),
    /// and the route's fields (`userId`, `reason`, `durationSeconds`, `expectedVersion`,
    /// `limit`, `nextToken`).
    pub fn from_webhook(body: &JsonObject) -> Result<Self, Violation> {
        let action = body.required_string("action")?;
        let scope = match body.optional_string("scope")? {
            None | Some("room") => BanScope::Room(body.required_string("roomId")?.to_owned()),
            Some("deployment") => BanScope::Deployment,
            Some(_) => return Err(Violation::new("scope", "must be room or deployment")),
        };
        let mut fields = vec!["action", "scope", "roomId"];
        let action_fields: &[&str] = match action {
            "ban_user" | "unban_user" => &["userId", "reason", "expectedVersion"],
            "timeout_user" => &["userId", "reason", "expectedVersion", "durationSeconds"],
            "get_ban" => &["userId"],
            "list_bans" => &["limit", "nextToken"],
            _ => {
                return Err(Violation::new(
                    "action",
                    "must be one of ban_user, timeout_user, unban_user, get_ban, list_bans",
                ));
            }
        };
        fields.extend_from_slice(action_fields);
        body.reject_unknown_fields(&fields)?;
        // For a deployment-wide ban, `roomId` is the room to disconnect the user from now.
        let disconnect_room = match scope {
            BanScope::Deployment => body.optional_string("roomId")?.map(str::to_owned),
            BanScope::Room(_) => None,
        };
        if action == "list_bans" {
            return Ok(Self::List {
                scope,
                limit: body.optional_integer("limit")?.unwrap_or(DEFAULT_PAGE_SIZE),
                next_token: body.optional_string("nextToken")?.map(str::to_owned),
            });
        }
        let user_id = body.required_string("userId")?.to_owned();
        if action == "get_ban" {
            return Ok(Self::Get { scope, user_id });
        }
        let (reason, expected_version) = body_fields(body)?;
        if action == "unban_user" {
            return Ok(Self::Unban {
                scope,
                user_id,
                reason,
                expected_version,
            });
        }
        let duration_seconds = if action == "timeout_user" {
            Some(
                body.optional_integer("durationSeconds")?
                    .ok_or_else(|| Violation::new("durationSeconds", "is required"))?,
            )
        } else {
            None
        };
        Ok(Self::Ban {
            scope,
            user_id,
            reason,
            duration_seconds,
            expected_version,
            disconnect_room,
        })
    }

    /// Checks every argument before anything is looked up or written: user id (1–128),
    /// reason (1–256), timeout length (1 s to 14 days), version (a positive integer), page
    /// size (1–100), page token (one this API gave).
    pub fn check(&self) -> Result<(), Violation> {
        let reason_ok = |reason: &Option<String>| match reason {
            Some(reason) => validate::reason("reason", reason),
            None => Ok(()),
        };
        let version_ok = |version: &Option<i64>| match version {
            Some(version) if *version < 1 => Err(Violation::new(
                "expectedVersion",
                "must be a positive integer (the version of the ban as last read)",
            )),
            _ => Ok(()),
        };
        match self {
            Self::Ban {
                user_id,
                reason,
                duration_seconds,
                expected_version,
                ..
            } => {
                validate::user_id("userId", user_id)?;
                reason_ok(reason)?;
                version_ok(expected_version)?;
                if let Some(seconds) = duration_seconds
                    && !(1..=MAX_TIMEOUT_SECONDS).contains(seconds)
                {
                    return Err(Violation::new(
                        "durationSeconds",
                        format!("must be between 1 and {MAX_TIMEOUT_SECONDS} (14 days)"),
                    ));
                }
            }
            Self::Unban {
                user_id,
                reason,
                expected_version,
                ..
            } => {
                validate::user_id("userId", user_id)?;
                reason_ok(reason)?;
                version_ok(expected_version)?;
            }
            Self::Get { user_id, .. } => validate::user_id("userId", user_id)?,
            Self::List {
                limit, next_token, ..
            } => {
                if !(1..=i64::from(toolkit_state::MAX_PAGE_SIZE)).contains(limit) {
                    return Err(Violation::new(
                        "limit",
                        "must be an integer between 1 and 100",
                    ));
                }
                if let Some(token) = next_token {
                    decode_token(token)?;
                }
            }
        }
        Ok(())
    }
}

fn decode_token(token: &str) -> Result<String, Violation> {
    let invalid = || Violation::new("nextToken", "must be a nextToken this API returned");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let user = String::from_utf8(bytes).map_err(|_| invalid())?;
    validate::user_id("nextToken", &user).map_err(|_| invalid())?;
    Ok(user)
}

fn encode_token(user_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(user_id)
}

/// A ban as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BanView {
    /// `room` or `deployment`.
    pub scope: &'static str,
    /// The room id of a room ban.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    /// The banned user.
    pub user_id: String,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who banned: `user:<id>`, `webhook` or `escalation`.
    pub banned_by: String,
    /// When, RFC 3339.
    pub created_at: String,
    /// When a timeout ends, RFC 3339; absent for a ban.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Pass it back as `expectedVersion` to change or lift this ban.
    pub version: u64,
}

impl From<&BanRecord> for BanView {
    fn from(ban: &BanRecord) -> Self {
        Self {
            scope: ban.scope.kind(),
            room_id: ban.scope.room_id().map(str::to_owned),
            user_id: ban.user_id.clone(),
            reason: ban.reason.clone(),
            banned_by: ban.banned_by.clone(),
            created_at: toolkit_state::bans::rfc3339(ban.created_at),
            expires_at: ban.expires_at.map(toolkit_state::bans::rfc3339),
            version: ban.version,
        }
    }
}

/// What a ban action answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BanOutcome {
    /// The action's name.
    pub action: &'static str,
    /// The ban written, read or lifted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ban: Option<BanView>,
    /// A page of bans (list only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bans: Option<Vec<BanView>>,
    /// The token of the next page (list only, when there may be more).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// For a ban or timeout: whether DisconnectUser succeeded (the ban stands either way).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disconnected: Option<bool>,
}

impl BanOutcome {
    fn new(action: &'static str) -> Self {
        Self {
            action,
            ban: None,
            bans: None,
            next_token: None,
            disconnected: None,
        }
    }
}

/// Why a ban action was not carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BanError {
    /// An argument broke a rule.
    #[error(transparent)]
    InvalidInput(#[from] Violation),
    /// The room may not be used.
    #[error(transparent)]
    Room(#[from] RoomAccessError),
    /// Another ban stands than the one the caller expected (none, or another version).
    #[error("another ban stands")]
    Conflict(Option<Box<BanRecord>>),
    /// No active ban to read or lift.
    #[error("no active ban")]
    NotBanned,
    /// The function has no state table (`STATE_TABLE_NAME` unset).
    #[error("no state table is configured")]
    NoStateTable,
    /// The state table failed.
    #[error(transparent)]
    State(#[from] StateError),
}

fn describe(ban: &BanRecord) -> String {
    let place = match &ban.scope {
        BanScope::Room(_) => "in this room",
        BanScope::Deployment => "in every room",
    };
    let until = match ban.expires_at {
        Some(end) => format!(
            "timed out {place} until {}",
            toolkit_state::bans::rfc3339(end)
        ),
        None => format!("banned {place} until lifted"),
    };
    format!("{until} (version {})", ban.version)
}

impl From<BanError> for ApiError {
    fn from(error: BanError) -> Self {
        match error {
            BanError::InvalidInput(violation) => ApiError::invalid_input(violation),
            BanError::Room(error) => error.into(),
            BanError::Conflict(Some(ban)) => ApiError::new(
                ErrorCode::BanConflict,
                format!(
                    "the user is already {}; to change or lift it, send expectedVersion {}",
                    describe(&ban),
                    ban.version
                ),
            )
            .with_field("expectedVersion"),
            BanError::Conflict(None) => ApiError::new(
                ErrorCode::BanConflict,
                "the ban was lifted or has ended since it was read; send the request without expectedVersion",
            )
            .with_field("expectedVersion"),
            BanError::NotBanned => {
                ApiError::new(ErrorCode::BanNotFound, "the user has no active ban here")
            }
            BanError::NoStateTable => {
                tracing::error!("ban refused: no state table (STATE_TABLE_NAME)");
                ApiError::upstream_failure()
            }
            BanError::State(StateError::Invalid { field, rule }) => {
                ApiError::invalid_input(Violation::new(field, rule))
            }
            BanError::State(error) => {
                tracing::warn!(%error, "ban action failed: the state table did not answer");
                ApiError::upstream_failure()
            }
        }
    }
}

/// Carries out ban actions: the state table for the bans, IVS Chat for the disconnects.
pub struct BanDesk {
    client: ChatClient,
    state: Option<StateTable>,
}

fn unix(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

fn precondition(expected: Option<i64>) -> BanPrecondition {
    match expected.and_then(|v| u64::try_from(v).ok()) {
        Some(version) => BanPrecondition::Version(version),
        None => BanPrecondition::NoActiveBan,
    }
}

impl BanDesk {
    /// A desk disconnecting through `client`, keeping bans in `state` (none: every action
    /// fails with [`BanError::NoStateTable`]).
    pub fn new(client: ChatClient, state: Option<StateTable>) -> Self {
        Self { client, state }
    }

    /// The same desk keeping bans in `state`.
    pub fn with_state_table(mut self, state: StateTable) -> Self {
        self.state = Some(state);
        self
    }

    /// Checks `action`, resolves its room (exists, managed by this deployment; an unknown room
    /// counts against `caller`'s GetRoom ration), then writes, reads or lifts the ban as of
    /// `now`; a ban or timeout then disconnects the user (from the room of a room ban, or the
    /// `roomId` given with a deployment-wide one). A failed disconnect is logged and reported
    /// as `disconnected: false`; the ban stands.
    pub async fn execute(
        &self,
        rooms: &ManagedRooms,
        caller: &str,
        action: &BanAction,
        now: SystemTime,
    ) -> Result<BanOutcome, BanError> {
        action.check()?;
        let room = match action.scope() {
            BanScope::Room(id) => Some(rooms.resolve(caller, "roomId", id).await?),
            BanScope::Deployment => None,
        };
        let state = self.state.as_ref().ok_or(BanError::NoStateTable)?;
        let mut outcome = BanOutcome::new(action.name());
        match action {
            BanAction::Ban {
                scope,
                user_id,
                reason,
                duration_seconds,
                expected_version,
                disconnect_room,
            } => {
                let expires_at = duration_seconds
                    .and_then(|s| u64::try_from(s).ok())
                    .map(|s| unix(now) + s);
                let ban = NewBan {
                    scope: scope.clone(),
                    user_id: user_id.clone(),
                    reason: reason.clone(),
                    banned_by: caller.to_owned(),
                    expires_at,
                };
                let written = match state
                    .put_ban(&ban, precondition(*expected_version), now)
                    .await?
                {
                    BanWrite::Applied(written) => written,
                    BanWrite::Conflict(current) => {
                        return Err(BanError::Conflict(current.map(Box::new)));
                    }
                };
                let disconnect_from = match (room, disconnect_room) {
                    (Some(room), _) => Some(room),
                    (None, Some(id)) => Some(rooms.resolve(caller, "roomId", id).await?),
                    (None, None) => None,
                };
                if let Some(room) = disconnect_from {
                    let disconnected = self
                        .client
                        .disconnect_user(&DisconnectUserRequest {
                            room,
                            user_id: user_id.clone(),
                            reason: Some(
                                reason
                                    .clone()
                                    .unwrap_or_else(|| DEFAULT_BAN_REASON.to_owned()),
                            ),
                        })
                        .await;
                    if let Err(error) = &disconnected {
                        tracing::warn!(
                            upstream_error = error.kind(),
                            "banned, but DisconnectUser failed; the ban stands"
                        );
                    }
                    outcome.disconnected = Some(disconnected.is_ok());
                }
                outcome.ban = Some(BanView::from(&written));
            }
            BanAction::Unban {
                scope,
                user_id,
                expected_version,
                ..
            } => match state
                .remove_ban(scope, user_id, precondition(*expected_version), now)
                .await?
            {
                BanRemoval::Removed(lifted) => outcome.ban = Some(BanView::from(&lifted)),
                BanRemoval::NotBanned if expected_version.is_some() => {
                    return Err(BanError::Conflict(None));
                }
                BanRemoval::NotBanned => return Err(BanError::NotBanned),
                BanRemoval::Conflict(current) => {
                    return Err(BanError::Conflict(Some(Box::new(current))));
                }
            },
            BanAction::Get { scope, user_id } => {
                let ban = state
                    .get_ban(scope, user_id, now)
                    .await?
                    .ok_or(BanError::NotBanned)?;
                outcome.ban = Some(BanView::from(&ban));
            }
            BanAction::List {
                scope,
                limit,
                next_token,
            } => {
                let after = next_token.as_deref().map(decode_token).transpose()?;
                let limit = i32::try_from(*limit).unwrap_or(toolkit_state::MAX_PAGE_SIZE);
                let page = state.list_bans(scope, limit, after.as_deref(), now).await?;
                outcome.bans = Some(page.bans.iter().map(BanView::from).collect());
                outcome.next_token = page.next_after.as_deref().map(encode_token);
            }
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> JsonObject {
        JsonObject::from_body(text.as_bytes()).expect("object")
    }

    #[test]
    fn a_timeout_needs_a_duration_inside_the_documented_bounds() {
        let room = || BanScope::Room("ManagedRoom1".into());
        let missing =
            BanAction::ban_from_route(room(), "u", true, &body("{}")).expect_err("required");
        assert_eq!(missing.field, "durationSeconds");
        for seconds in [0, -5, MAX_TIMEOUT_SECONDS + 1] {
            let action = BanAction::ban_from_route(
                room(),
                "u",
                true,
                &body(&format!(r#"{{"durationSeconds":{seconds}}}"#)),
            )
            .expect("parsed");
            let error = action.check().expect_err("out of bounds");
            assert_eq!(error.field, "durationSeconds", "{seconds}");
        }
        let longest = BanAction::ban_from_route(
            room(),
            "u",
            true,
            &body(&format!(r#"{{"durationSeconds":{MAX_TIMEOUT_SECONDS}}}"#)),
        )
        .expect("parsed");
        assert_eq!(longest.check(), Ok(()));
        assert_eq!(longest.name(), "timeout_user");
    }

    #[test]
    fn a_room_ban_takes_no_duration_and_no_room_in_the_body() {
        let room = BanScope::Room("ManagedRoom1".into());
        for field in ["durationSeconds", "roomId", "userId"] {
            let error = BanAction::ban_from_route(
                room.clone(),
                "u",
                false,
                &body(&format!(r#"{{"{field}":1}}"#)),
            )
            .expect_err("not a ban field");
            assert_eq!(error.field, field);
        }
    }

    #[test]
    fn webhook_bodies_name_scope_and_action() {
        let action = BanAction::from_webhook(&body(
            r#"{"action":"timeout_user","roomId":"ManagedRoom1","userId":"u-7","durationSeconds":600,"reason":"spam"}"#,
        ))
        .expect("valid");
        assert_eq!(
            action,
            BanAction::Ban {
                scope: BanScope::Room("ManagedRoom1".into()),
                user_id: "u-7".into(),
                reason: Some("spam".into()),
                duration_seconds: Some(600),
                expected_version: None,
                disconnect_room: None,
            }
        );
        let everywhere = BanAction::from_webhook(&body(
            r#"{"action":"ban_user","scope":"deployment","userId":"u-7"}"#,
        ))
        .expect("valid");
        assert_eq!(everywhere.scope(), &BanScope::Deployment);
        let bad_scope = BanAction::from_webhook(&body(
            r#"{"action":"ban_user","scope":"galaxy","userId":"u-7"}"#,
        ))
        .expect_err("unknown scope");
        assert_eq!(bad_scope.field, "scope");
        let no_room = BanAction::from_webhook(&body(r#"{"action":"ban_user","userId":"u-7"}"#))
            .expect_err("room scope needs a room");
        assert_eq!(no_room.field, "roomId");
    }

    #[test]
    fn page_tokens_round_trip_and_forged_ones_are_refused() {
        assert_eq!(decode_token(&encode_token("a#b/ü")), Ok("a#b/ü".to_owned()));
        let forged = BanAction::List {
            scope: BanScope::Deployment,
            limit: 10,
            next_token: Some("%%%".into()),
        };
        assert_eq!(forged.check().expect_err("forged").field, "nextToken");
        let too_many =
            BanAction::list_from_query(BanScope::Deployment, Some("101"), None).expect("parsed");
        assert_eq!(too_many.check().expect_err("too many").field, "limit");
    }

    #[test]
    fn a_list_asks_for_50_by_default_and_refuses_limits_outside_1_to_100() {
        // GIVEN a list route's query without a limit THEN the page size is 50
        let default = BanAction::list_from_query(BanScope::Deployment, None, None).expect("parsed");
        assert!(
            matches!(default, BanAction::List { limit: 50, .. }),
            "{default:?}"
        );
        assert_eq!(default.check(), Ok(()));
        // GIVEN the bounds THEN 1 and 100 are allowed, 0 and 101 refused naming `limit`
        for (limit, allowed) in [("1", true), ("100", true), ("0", false), ("101", false)] {
            let action = BanAction::list_from_query(BanScope::Deployment, Some(limit), None)
                .expect("parsed");
            match action.check() {
                Ok(()) => assert!(allowed, "limit {limit} was accepted"),
                Err(violation) => {
                    assert!(!allowed, "limit {limit} was refused");
                    assert_eq!(violation.field, "limit");
                }
            }
        }
    }

    #[test]
    fn conflicts_say_which_ban_stands_and_until_when() {
        let ban = BanRecord {
            scope: BanScope::Room("ManagedRoom1".into()),
            user_id: "u".into(),
            reason: None,
            banned_by: "user:m".into(),
            created_at: 1_767_225_600,
            expires_at: Some(1_767_226_200),
            version: 42,
        };
        let error = ApiError::from(BanError::Conflict(Some(Box::new(ban))));
        assert_eq!(error.code(), ErrorCode::BanConflict);
        assert!(
            error.message().contains("until 2026-01-01T00:10:00Z"),
            "{}",
            error.message()
        );
        assert!(error.message().contains("expectedVersion 42"));
    }
}
