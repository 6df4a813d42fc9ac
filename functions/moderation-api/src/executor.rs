//! The one executor of moderator actions: every room the action names is resolved (exists,
//! managed by this deployment) before anything is written, then IVS Chat is called (chat
//! actions) or the state table written (ban actions: one conditional write, then
//! DisconnectUser for a ban or timeout, so the user leaves at once and cannot come back: the
//! token API refuses them a token, the review handler denies what an older session still
//! sends).

use std::time::SystemTime;

use http_api::{ApiError, ErrorCode, ManagedRooms, RoomAccessError};
use ivschat_api::model::{DeleteMessageRequest, DisconnectUserRequest, SendEventRequest};
use ivschat_api::{ChatClient, IvsChatError, RoomArn, Violation};
use serde::Serialize;
use toolkit_state::{
    BanPrecondition, BanRecord, BanRemoval, BanScope, BanWrite, NewBan, StateError, StateTable,
    unix_seconds,
};

use crate::action::ModeratorAction;
use crate::authorise::AuthorisedAction;
use crate::page_token;

/// The reason given to DisconnectUser when the moderator gave none.
pub const DEFAULT_BAN_REASON: &str = "banned by a moderator";

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

/// What a completed action answers (the 200 body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionOutcome {
    /// The action's name.
    pub action: &'static str,
    /// The room id of a chat action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    /// The id IVS Chat gave the operation (DeleteMessage, SendEvent; DisconnectUser returns
    /// none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
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

impl ActionOutcome {
    fn new(action: &ModeratorAction) -> Self {
        Self {
            action: action.name().as_str(),
            room_id: None,
            id: None,
            ban: None,
            bans: None,
            next_token: None,
            disconnected: None,
        }
    }
}

/// Why an authorised action was not carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecutionError {
    /// A room may not be used (unknown, not this deployment's, lookups rationed).
    #[error(transparent)]
    Room(#[from] RoomAccessError),
    /// IVS Chat refused or failed.
    #[error(transparent)]
    Chat(#[from] IvsChatError),
    /// Another ban stands than the one the caller expected (none, or another version).
    #[error("another ban stands")]
    Conflict(Option<Box<BanRecord>>),
    /// No active ban to read or lift.
    #[error("no active ban")]
    NotBanned,
    /// The function has no state table (`STATE_TABLE_NAME` unset).
    #[error("no state table is configured")]
    NoStateTable,
    /// The state table refused a value or failed.
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

impl From<ExecutionError> for ApiError {
    fn from(error: ExecutionError) -> Self {
        match error {
            ExecutionError::Room(error) => error.into(),
            ExecutionError::Chat(error) => ApiError::from_chat_error(&error),
            ExecutionError::Conflict(Some(ban)) => ApiError::new(
                ErrorCode::BanConflict,
                format!(
                    "the user is already {}; to change or lift it, send expectedVersion {}",
                    describe(&ban),
                    ban.version
                ),
            )
            .with_field("expectedVersion"),
            ExecutionError::Conflict(None) => ApiError::new(
                ErrorCode::BanConflict,
                "the ban was lifted or has ended since it was read; send the request without expectedVersion",
            )
            .with_field("expectedVersion"),
            ExecutionError::NotBanned => {
                ApiError::new(ErrorCode::BanNotFound, "the user has no active ban here")
            }
            ExecutionError::NoStateTable => {
                tracing::error!("ban refused: no state table (STATE_TABLE_NAME)");
                ApiError::upstream_failure()
            }
            ExecutionError::State(StateError::Invalid { field, rule }) => {
                ApiError::invalid_input(Violation::new(field, rule))
            }
            ExecutionError::State(error) => {
                tracing::warn!(%error, "action failed: the state table did not answer");
                ApiError::upstream_failure()
            }
        }
    }
}

fn precondition(expected: Option<i64>) -> BanPrecondition {
    match expected.and_then(|v| u64::try_from(v).ok()) {
        Some(version) => BanPrecondition::Version(version),
        None => BanPrecondition::NoActiveBan,
    }
}

/// Carries out authorised actions: IVS Chat for chat actions and disconnects, the state table
/// for bans, only in the rooms this deployment manages.
pub struct ActionExecutor {
    client: ChatClient,
    rooms: ManagedRooms,
    state: Option<StateTable>,
}

impl ActionExecutor {
    /// An executor calling IVS Chat through `client`, limited to `rooms`, keeping bans in
    /// `state` (none: every ban action fails with [`ExecutionError::NoStateTable`]).
    pub fn new(client: ChatClient, rooms: ManagedRooms, state: Option<StateTable>) -> Self {
        Self {
            client,
            rooms,
            state,
        }
    }

    /// The same executor keeping bans in `state`.
    pub fn with_state_table(mut self, state: StateTable) -> Self {
        self.state = Some(state);
        self
    }

    /// Carries out `authorised` as of `now`. First every room it names is resolved (an
    /// unknown room counts against the caller's GetRoom ration) and, for a ban action, the
    /// state table is required: a refusal there leaves nothing written. Then the one call or
    /// conditional write; a ban or timeout then disconnects the user (from the room of a room
    /// ban, or the `roomId` given with a deployment-wide one). A failed disconnect is logged
    /// and reported as `disconnected: false`; the ban stands.
    pub async fn execute(
        &self,
        authorised: &AuthorisedAction,
        now: SystemTime,
    ) -> Result<ActionOutcome, ExecutionError> {
        let action = authorised.action();
        let caller = authorised.actor().to_string();
        let mut rooms: Vec<RoomArn> = Vec::new();
        for room_id in action.rooms() {
            rooms.push(self.rooms.resolve(&caller, "roomId", room_id).await?);
        }
        let mut outcome = ActionOutcome::new(action);
        if !action.name().is_ban_action() {
            let room = rooms
                .into_iter()
                .next()
                .ok_or_else(|| RoomAccessError::NotFound(action.room_label().to_owned()))?;
            outcome.room_id = Some(action.room_label().to_owned());
            outcome.id = self.chat_action(action, room).await?;
            return Ok(outcome);
        }
        let state = self.state.as_ref().ok_or(ExecutionError::NoStateTable)?;
        match action {
            ModeratorAction::Ban {
                scope,
                user_id,
                reason,
                duration_seconds,
                expected_version,
                ..
            } => {
                let ban = NewBan {
                    scope: scope.clone(),
                    user_id: user_id.clone(),
                    reason: reason.clone(),
                    banned_by: caller,
                    expires_at: duration_seconds
                        .and_then(|s| u64::try_from(s).ok())
                        .map(|s| unix_seconds(now) + s),
                };
                let written = match state
                    .put_ban(&ban, precondition(*expected_version), now)
                    .await?
                {
                    BanWrite::Applied(written) => written,
                    BanWrite::Conflict(current) => {
                        return Err(ExecutionError::Conflict(current.map(Box::new)));
                    }
                };
                if let Some(room) = rooms.into_iter().next() {
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
            ModeratorAction::Unban {
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
                    return Err(ExecutionError::Conflict(None));
                }
                BanRemoval::NotBanned => return Err(ExecutionError::NotBanned),
                BanRemoval::Conflict(current) => {
                    return Err(ExecutionError::Conflict(Some(Box::new(current))));
                }
            },
            ModeratorAction::GetBan { scope, user_id } => {
                let ban = state
                    .get_ban(scope, user_id, now)
                    .await?
                    .ok_or(ExecutionError::NotBanned)?;
                outcome.ban = Some(BanView::from(&ban));
            }
            ModeratorAction::ListBans {
                scope,
                limit,
                after,
            } => {
                let limit = i32::try_from(*limit).unwrap_or(toolkit_state::MAX_PAGE_SIZE);
                let page = state.list_bans(scope, limit, after.as_deref(), now).await?;
                outcome.bans = Some(page.bans.iter().map(BanView::from).collect());
                outcome.next_token = page.next_after.as_deref().map(page_token::encode);
            }
            ModeratorAction::DeleteMessage { .. }
            | ModeratorAction::DisconnectUser { .. }
            | ModeratorAction::SendEvent { .. } => {}
        }
        Ok(outcome)
    }

    /// DeleteMessage, DisconnectUser or SendEvent in `room`; the id IVS Chat gave, if any.
    async fn chat_action(
        &self,
        action: &ModeratorAction,
        room: RoomArn,
    ) -> Result<Option<String>, IvsChatError> {
        Ok(match action {
            ModeratorAction::DeleteMessage {
                message_id, reason, ..
            } => Some(
                self.client
                    .delete_message(&DeleteMessageRequest {
                        room,
                        message_id: message_id.clone(),
                        reason: reason.clone(),
                    })
                    .await?,
            ),
            ModeratorAction::DisconnectUser {
                user_id, reason, ..
            } => {
                self.client
                    .disconnect_user(&DisconnectUserRequest {
                        room,
                        user_id: user_id.clone(),
                        reason: reason.clone(),
                    })
                    .await?;
                None
            }
            ModeratorAction::SendEvent {
                event_name,
                attributes,
                ..
            } => Some(
                self.client
                    .send_event(&SendEventRequest {
                        room,
                        event_name: event_name.clone(),
                        attributes: attributes.clone(),
                    })
                    .await?,
            ),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let error = ApiError::from(ExecutionError::Conflict(Some(Box::new(ban))));
        assert_eq!(error.code(), ErrorCode::BanConflict);
        assert!(
            error.message().contains("until 2026-01-01T00:10:00Z"),
            "{}",
            error.message()
        );
        assert!(error.message().contains("expectedVersion 42"));
    }
}
