//! Every moderator action in one enum, [`ModeratorAction`], as a route or the webhook asked for
//! it: parsed here, authorised once ([`crate::authorise`]), carried out by one executor
//! ([`crate::executor`]) and audited in one place ([`crate::audit`]).
//!
//! Chat actions call IVS Chat in a room this deployment manages (DeleteMessage,
//! DisconnectUser, SendEvent). Ban actions keep bans and timeouts in the state table, in one
//! room or in every room (deployment-wide); a ban or timeout also disconnects the user. A
//! timeout is a ban with an end: 1 second to [`toolkit_state::MAX_TIMEOUT_SECONDS`] (14 days,
//! Twitch's longest timeout). A ban or timeout where an active one stands is refused with 409
//! `BanConflict` naming the one that stands, unless the caller passes `expectedVersion`, the
//! `version` it last read; the same holds for lifting one. So two moderators acting at once
//! never silently overwrite each other.

use std::collections::BTreeMap;

use http_api::JsonObject;
use ivschat_api::{Violation, validate};
use toolkit_state::{BanScope, MAX_TIMEOUT_SECONDS};

use crate::events::{EventNamePolicy, EventNameRefusal};
use crate::page_token;

/// Bans per page of a list when the caller does not say.
pub const DEFAULT_PAGE_SIZE: i64 = 50;

/// Every action's name, as routes, webhook bodies and audit lines spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionName {
    /// `delete_message`: DeleteMessage.
    DeleteMessage,
    /// `disconnect_user`: DisconnectUser (not a ban).
    DisconnectUser,
    /// `send_event`: SendEvent.
    SendEvent,
    /// `ban_user`: ban until lifted, then disconnect.
    BanUser,
    /// `timeout_user`: ban with an end, then disconnect.
    TimeoutUser,
    /// `unban_user`: lift a ban or timeout.
    UnbanUser,
    /// `get_ban`: one user's active ban.
    GetBan,
    /// `list_bans`: a page of active bans.
    ListBans,
}

impl ActionName {
    /// Every action, in the order errors list them.
    pub const ALL: [ActionName; 8] = [
        Self::DeleteMessage,
        Self::DisconnectUser,
        Self::SendEvent,
        Self::BanUser,
        Self::TimeoutUser,
        Self::UnbanUser,
        Self::GetBan,
        Self::ListBans,
    ];

    /// The name as callers spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DeleteMessage => "delete_message",
            Self::DisconnectUser => "disconnect_user",
            Self::SendEvent => "send_event",
            Self::BanUser => "ban_user",
            Self::TimeoutUser => "timeout_user",
            Self::UnbanUser => "unban_user",
            Self::GetBan => "get_ban",
            Self::ListBans => "list_bans",
        }
    }

    /// The action named `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|name| name.as_str() == text)
    }

    /// True for the actions on bans (kept in the state table).
    pub fn is_ban_action(self) -> bool {
        !matches!(
            self,
            Self::DeleteMessage | Self::DisconnectUser | Self::SendEvent
        )
    }
}

/// One moderator action with its arguments, as received: not yet checked. Only
/// [`crate::authorise::authorise`] turns it into something the executor accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModeratorAction {
    /// DeleteMessage: tell clients to remove a message.
    DeleteMessage {
        /// The 12-character room id.
        room_id: String,
        /// The 12-character message id.
        message_id: String,
        /// Why (1–256 code points), shown to clients.
        reason: Option<String>,
    },
    /// DisconnectUser: close every connection of a user (not a ban).
    DisconnectUser {
        /// The 12-character room id.
        room_id: String,
        /// The user.
        user_id: String,
        /// Why (1–256 code points), shown to clients.
        reason: Option<String>,
    },
    /// SendEvent: broadcast an application event.
    SendEvent {
        /// The 12-character room id.
        room_id: String,
        /// The event name (not `aws:…`; on the allow-list if there is one).
        event_name: String,
        /// Event attributes (≤ 1 KB in total).
        attributes: BTreeMap<String, String>,
    },
    /// Ban (`duration_seconds` `None`) or time out a user, then disconnect them.
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
    GetBan {
        /// Where.
        scope: BanScope,
        /// Who.
        user_id: String,
    },
    /// Read a page of active bans.
    ListBans {
        /// Where.
        scope: BanScope,
        /// Page size, 1–100.
        limit: i64,
        /// The user id to continue after: the previous page's `nextToken`, decoded (a token
        /// this API did not give is refused when the request is read).
        after: Option<String>,
    },
}

/// Why an action's arguments were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgumentError {
    /// An argument broke a rule (400 naming the field).
    #[error(transparent)]
    Invalid(#[from] Violation),
    /// The event name is reserved (400) or not on the allow-list (403).
    #[error(transparent)]
    EventName(#[from] EventNameRefusal),
}

fn reason_and_version(body: &JsonObject) -> Result<(Option<String>, Option<i64>), Violation> {
    Ok((
        body.optional_string("reason")?.map(str::to_owned),
        body.optional_integer("expectedVersion")?,
    ))
}

fn required_duration(body: &JsonObject) -> Result<i64, Violation> {
    body.optional_integer("durationSeconds")?
        .ok_or_else(|| Violation::new("durationSeconds", "is required"))
}

impl ModeratorAction {
    /// The action's name.
    pub fn name(&self) -> ActionName {
        match self {
            Self::DeleteMessage { .. } => ActionName::DeleteMessage,
            Self::DisconnectUser { .. } => ActionName::DisconnectUser,
            Self::SendEvent { .. } => ActionName::SendEvent,
            Self::Ban {
                duration_seconds: None,
                ..
            } => ActionName::BanUser,
            Self::Ban { .. } => ActionName::TimeoutUser,
            Self::Unban { .. } => ActionName::UnbanUser,
            Self::GetBan { .. } => ActionName::GetBan,
            Self::ListBans { .. } => ActionName::ListBans,
        }
    }

    /// Where it applies: the room of a chat action or a room ban, or the whole deployment.
    pub fn scope(&self) -> BanScope {
        match self {
            Self::DeleteMessage { room_id, .. }
            | Self::DisconnectUser { room_id, .. }
            | Self::SendEvent { room_id, .. } => BanScope::Room(room_id.clone()),
            Self::Ban { scope, .. }
            | Self::Unban { scope, .. }
            | Self::GetBan { scope, .. }
            | Self::ListBans { scope, .. } => scope.clone(),
        }
    }

    /// The room id for the audit line: the room's, or `*` for deployment-wide actions.
    pub fn room_label(&self) -> &str {
        match self {
            Self::DeleteMessage { room_id, .. }
            | Self::DisconnectUser { room_id, .. }
            | Self::SendEvent { room_id, .. } => room_id,
            Self::Ban { scope, .. }
            | Self::Unban { scope, .. }
            | Self::GetBan { scope, .. }
            | Self::ListBans { scope, .. } => scope.room_id().unwrap_or("*"),
        }
    }

    /// What is acted on: the message id, the user id, the event name, or `*` for a list.
    pub fn target(&self) -> &str {
        match self {
            Self::DeleteMessage { message_id, .. } => message_id,
            Self::DisconnectUser { user_id, .. }
            | Self::Ban { user_id, .. }
            | Self::Unban { user_id, .. }
            | Self::GetBan { user_id, .. } => user_id,
            Self::SendEvent { event_name, .. } => event_name,
            Self::ListBans { .. } => "*",
        }
    }

    /// The reason given, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::DeleteMessage { reason, .. }
            | Self::DisconnectUser { reason, .. }
            | Self::Ban { reason, .. }
            | Self::Unban { reason, .. } => reason.as_deref(),
            Self::SendEvent { .. } | Self::GetBan { .. } | Self::ListBans { .. } => None,
        }
    }

    /// Every room the action names, each checked (exists, managed by this deployment) before
    /// anything is written: the room it acts in, and the room a deployment-wide ban also
    /// disconnects from.
    pub fn rooms(&self) -> Vec<&str> {
        let mut rooms: Vec<&str> = match self {
            Self::DeleteMessage { room_id, .. }
            | Self::DisconnectUser { room_id, .. }
            | Self::SendEvent { room_id, .. } => vec![room_id.as_str()],
            Self::Ban { scope, .. }
            | Self::Unban { scope, .. }
            | Self::GetBan { scope, .. }
            | Self::ListBans { scope, .. } => scope.room_id().into_iter().collect(),
        };
        if let Self::Ban {
            disconnect_room: Some(room),
            ..
        } = self
            && !rooms.contains(&room.as_str())
        {
            rooms.push(room);
        }
        rooms
    }

    /// The action a route asked for: `name` from the route, `scope` from its path (a room's
    /// id, or deployment-wide), the rest from the path parameters `path` (`messageId`,
    /// `userId`), the JSON `body` and, for a list, the query's `limit` and `nextToken`.
    ///
    /// Bodies: `{reason?}` for delete and disconnect, `{eventName, attributes?}` for an event,
    /// `{reason?, expectedVersion?}` for a ban or unban, plus `durationSeconds` (required) for
    /// a timeout and `roomId` (optional, the room to disconnect from now) for a
    /// deployment-wide ban or timeout.
    pub fn from_route(
        name: ActionName,
        scope: BanScope,
        path: &dyn Fn(&str) -> String,
        body: &JsonObject,
        query: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, Violation> {
        let room_id = || scope.room_id().unwrap_or_default().to_owned();
        Ok(match name {
            ActionName::DeleteMessage => {
                body.reject_unknown_fields(&["reason"])?;
                Self::DeleteMessage {
                    room_id: room_id(),
                    message_id: path("messageId"),
                    reason: body.optional_string("reason")?.map(str::to_owned),
                }
            }
            ActionName::DisconnectUser => {
                body.reject_unknown_fields(&["reason"])?;
                Self::DisconnectUser {
                    room_id: room_id(),
                    user_id: path("userId"),
                    reason: body.optional_string("reason")?.map(str::to_owned),
                }
            }
            ActionName::SendEvent => {
                body.reject_unknown_fields(&["eventName", "attributes"])?;
                Self::SendEvent {
                    room_id: room_id(),
                    event_name: body.required_string("eventName")?.to_owned(),
                    attributes: body.optional_string_map("attributes")?.unwrap_or_default(),
                }
            }
            ActionName::BanUser | ActionName::TimeoutUser => {
                let timeout = name == ActionName::TimeoutUser;
                let mut fields = vec!["reason", "expectedVersion"];
                if timeout {
                    fields.push("durationSeconds");
                }
                if scope == BanScope::Deployment {
                    fields.push("roomId");
                }
                body.reject_unknown_fields(&fields)?;
                let (reason, expected_version) = reason_and_version(body)?;
                Self::Ban {
                    duration_seconds: timeout.then(|| required_duration(body)).transpose()?,
                    disconnect_room: body.optional_string("roomId")?.map(str::to_owned),
                    scope,
                    user_id: path("userId"),
                    reason,
                    expected_version,
                }
            }
            ActionName::UnbanUser => {
                body.reject_unknown_fields(&["reason", "expectedVersion"])?;
                let (reason, expected_version) = reason_and_version(body)?;
                Self::Unban {
                    scope,
                    user_id: path("userId"),
                    reason,
                    expected_version,
                }
            }
            ActionName::GetBan => Self::GetBan {
                scope,
                user_id: path("userId"),
            },
            ActionName::ListBans => Self::ListBans {
                limit: match query("limit") {
                    None => DEFAULT_PAGE_SIZE,
                    Some(text) => text.parse().map_err(|_| {
                        Violation::new("limit", "must be an integer between 1 and 100")
                    })?,
                },
                after: query("nextToken")
                    .map(|token| page_token::decode(&token))
                    .transpose()?,
                scope,
            },
        })
    }

    /// The action a webhook body asks for: `action` names it; chat actions take `roomId` and
    /// their route's fields (`messageId`, `userId`, `reason`, `eventName`, `attributes`); ban
    /// actions take `scope` (`room`, the default, with `roomId`; or `deployment`, where
    /// `roomId` is the room to disconnect from now) and their route's fields (`userId`,
    /// `reason`, `durationSeconds`, `expectedVersion`, `limit`, `nextToken`).
    pub fn from_webhook(body: &JsonObject) -> Result<Self, Violation> {
        let text = body.required_string("action")?;
        let Some(name) = ActionName::parse(text) else {
            let names: Vec<&str> = ActionName::ALL.iter().map(|n| n.as_str()).collect();
            return Err(Violation::new(
                "action",
                format!("must be one of {}", names.join(", ")),
            ));
        };
        let own_fields: &[&str] = match name {
            ActionName::DeleteMessage => &["roomId", "messageId", "reason"],
            ActionName::DisconnectUser => &["roomId", "userId", "reason"],
            ActionName::SendEvent => &["roomId", "eventName", "attributes"],
            ActionName::BanUser | ActionName::UnbanUser => {
                &["scope", "roomId", "userId", "reason", "expectedVersion"]
            }
            ActionName::TimeoutUser => &[
                "scope",
                "roomId",
                "userId",
                "reason",
                "expectedVersion",
                "durationSeconds",
            ],
            ActionName::GetBan => &["scope", "roomId", "userId"],
            ActionName::ListBans => &["scope", "roomId", "limit", "nextToken"],
        };
        let mut fields = vec!["action"];
        fields.extend_from_slice(own_fields);
        body.reject_unknown_fields(&fields)?;
        let scope = if name.is_ban_action() {
            match body.optional_string("scope")? {
                None | Some("room") => BanScope::Room(body.required_string("roomId")?.to_owned()),
                Some("deployment") => BanScope::Deployment,
                Some(_) => return Err(Violation::new("scope", "must be room or deployment")),
            }
        } else {
            BanScope::Room(body.required_string("roomId")?.to_owned())
        };
        let room_id = || scope.room_id().unwrap_or_default().to_owned();
        let user_id = || body.required_string("userId").map(str::to_owned);
        let reason = || body.optional_string("reason").map(|r| r.map(str::to_owned));
        Ok(match name {
            ActionName::DeleteMessage => Self::DeleteMessage {
                room_id: room_id(),
                message_id: body.required_string("messageId")?.to_owned(),
                reason: reason()?,
            },
            ActionName::DisconnectUser => Self::DisconnectUser {
                room_id: room_id(),
                user_id: user_id()?,
                reason: reason()?,
            },
            ActionName::SendEvent => Self::SendEvent {
                room_id: room_id(),
                event_name: body.required_string("eventName")?.to_owned(),
                attributes: body.optional_string_map("attributes")?.unwrap_or_default(),
            },
            ActionName::BanUser | ActionName::TimeoutUser => {
                let (reason, expected_version) = reason_and_version(body)?;
                Self::Ban {
                    user_id: user_id()?,
                    reason,
                    duration_seconds: (name == ActionName::TimeoutUser)
                        .then(|| required_duration(body))
                        .transpose()?,
                    expected_version,
                    // For a deployment-wide ban, `roomId` is the room to disconnect from now.
                    disconnect_room: match scope {
                        BanScope::Deployment => body.optional_string("roomId")?.map(str::to_owned),
                        BanScope::Room(_) => None,
                    },
                    scope,
                }
            }
            ActionName::UnbanUser => {
                let (reason, expected_version) = reason_and_version(body)?;
                Self::Unban {
                    user_id: user_id()?,
                    scope,
                    reason,
                    expected_version,
                }
            }
            ActionName::GetBan => Self::GetBan {
                user_id: user_id()?,
                scope,
            },
            ActionName::ListBans => Self::ListBans {
                limit: body.optional_integer("limit")?.unwrap_or(DEFAULT_PAGE_SIZE),
                after: body
                    .optional_string("nextToken")?
                    .map(page_token::decode)
                    .transpose()?,
                scope,
            },
        })
    }

    /// Checks every argument against the service's rules and the event-name policy `events`,
    /// before anything is looked up or written: ids, reason (1–256), event name and
    /// attributes, timeout length (1 s to 14 days), version (a positive integer), page size
    /// (1–100).
    pub fn check_arguments(&self, events: &EventNamePolicy) -> Result<(), ArgumentError> {
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
            Self::DeleteMessage {
                message_id, reason, ..
            } => {
                validate::message_id("messageId", message_id)?;
                reason_ok(reason)?;
            }
            Self::DisconnectUser {
                user_id, reason, ..
            } => {
                validate::user_id("userId", user_id)?;
                reason_ok(reason)?;
            }
            Self::SendEvent {
                event_name,
                attributes,
                ..
            } => {
                events.check(event_name)?;
                validate::attributes("attributes", attributes)?;
            }
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
                    && u64::try_from(*seconds)
                        .map_or(true, |s| !(1..=MAX_TIMEOUT_SECONDS).contains(&s))
                {
                    return Err(Violation::new(
                        "durationSeconds",
                        format!("must be between 1 and {MAX_TIMEOUT_SECONDS} (14 days)"),
                    )
                    .into());
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
            Self::GetBan { user_id, .. } => validate::user_id("userId", user_id)?,
            Self::ListBans { limit, .. } => {
                if !(1..=i64::from(toolkit_state::MAX_PAGE_SIZE)).contains(limit) {
                    return Err(
                        Violation::new("limit", "must be an integer between 1 and 100").into(),
                    );
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> JsonObject {
        JsonObject::from_body(text.as_bytes()).expect("object")
    }

    fn no_query(_: &str) -> Option<String> {
        None
    }

    fn user(param: &str) -> String {
        match param {
            "messageId" => "Msg000000001".to_owned(),
            _ => "u".to_owned(),
        }
    }

    fn room() -> BanScope {
        BanScope::Room("ManagedRoom1".into())
    }

    fn route(name: ActionName, scope: BanScope, text: &str) -> Result<ModeratorAction, Violation> {
        ModeratorAction::from_route(name, scope, &user, &body(text), &no_query)
    }

    fn check(action: &ModeratorAction) -> Result<(), ArgumentError> {
        action.check_arguments(&EventNamePolicy::any())
    }

    #[test]
    fn webhook_body_names_the_action_and_its_arguments() {
        let action = ModeratorAction::from_webhook(&body(
            r#"{"action":"disconnect_user","roomId":"ManagedRoom1","userId":"u-7","reason":"abuse"}"#,
        ))
        .expect("valid");
        assert_eq!(
            action,
            ModeratorAction::DisconnectUser {
                room_id: "ManagedRoom1".into(),
                user_id: "u-7".into(),
                reason: Some("abuse".into())
            }
        );
    }

    #[test]
    fn webhook_body_with_unknown_action_or_field_is_refused() {
        let unknown =
            ModeratorAction::from_webhook(&body(r#"{"action":"wipe_room","roomId":"r"}"#))
                .expect_err("unknown action");
        assert_eq!(unknown.field, "action");
        assert!(unknown.rule.contains("ban_user"), "{}", unknown.rule);
        let extra = ModeratorAction::from_webhook(&body(
            r#"{"action":"send_event","roomId":"r","eventName":"e","reason":"x"}"#,
        ))
        .expect_err("reason is not a send_event field");
        assert_eq!(extra.field, "reason");
        let chat_scope = ModeratorAction::from_webhook(&body(
            r#"{"action":"delete_message","scope":"deployment","roomId":"r","messageId":"m"}"#,
        ))
        .expect_err("chat actions have no scope");
        assert_eq!(chat_scope.field, "scope");
    }

    #[test]
    fn empty_reason_is_refused_before_anything_is_sent() {
        let action = route(ActionName::DeleteMessage, room(), r#"{"reason":""}"#).expect("parsed");
        let error = check(&action).expect_err("empty reason");
        assert!(matches!(error, ArgumentError::Invalid(v) if v.field == "reason"));
    }

    #[test]
    fn a_timeout_needs_a_duration_inside_the_documented_bounds() {
        let missing = route(ActionName::TimeoutUser, room(), "{}").expect_err("required");
        assert_eq!(missing.field, "durationSeconds");
        let longest = i64::try_from(MAX_TIMEOUT_SECONDS).expect("fits");
        for seconds in [0, -5, longest + 1] {
            let action = route(
                ActionName::TimeoutUser,
                room(),
                &format!(r#"{{"durationSeconds":{seconds}}}"#),
            )
            .expect("parsed");
            let error = check(&action).expect_err("out of bounds");
            assert!(
                matches!(&error, ArgumentError::Invalid(v) if v.field == "durationSeconds"),
                "{seconds}: {error:?}"
            );
        }
        let action = route(
            ActionName::TimeoutUser,
            room(),
            &format!(r#"{{"durationSeconds":{longest}}}"#),
        )
        .expect("parsed");
        assert_eq!(check(&action), Ok(()));
        assert_eq!(action.name(), ActionName::TimeoutUser);
    }

    #[test]
    fn a_room_ban_takes_no_duration_and_no_room_in_the_body() {
        for field in ["durationSeconds", "roomId", "userId"] {
            let error = route(ActionName::BanUser, room(), &format!(r#"{{"{field}":1}}"#))
                .expect_err("not a ban field");
            assert_eq!(error.field, field);
        }
    }

    #[test]
    fn webhook_bodies_name_scope_and_action() {
        let action = ModeratorAction::from_webhook(&body(
            r#"{"action":"timeout_user","roomId":"ManagedRoom1","userId":"u-7","durationSeconds":600,"reason":"spam"}"#,
        ))
        .expect("valid");
        assert_eq!(
            action,
            ModeratorAction::Ban {
                scope: room(),
                user_id: "u-7".into(),
                reason: Some("spam".into()),
                duration_seconds: Some(600),
                expected_version: None,
                disconnect_room: None,
            }
        );
        let everywhere = ModeratorAction::from_webhook(&body(
            r#"{"action":"ban_user","scope":"deployment","userId":"u-7","roomId":"OtherRoom001"}"#,
        ))
        .expect("valid");
        assert_eq!(everywhere.scope(), BanScope::Deployment);
        assert_eq!(everywhere.rooms(), vec!["OtherRoom001"]);
        let bad_scope = ModeratorAction::from_webhook(&body(
            r#"{"action":"ban_user","scope":"galaxy","userId":"u-7"}"#,
        ))
        .expect_err("unknown scope");
        assert_eq!(bad_scope.field, "scope");
        let no_room =
            ModeratorAction::from_webhook(&body(r#"{"action":"ban_user","userId":"u-7"}"#))
                .expect_err("room scope needs a room");
        assert_eq!(no_room.field, "roomId");
    }

    #[test]
    fn a_list_asks_for_50_by_default_and_refuses_limits_outside_1_to_100() {
        let list = |limit: Option<&str>| {
            let limit = limit.map(str::to_owned);
            let query = move |name: &str| (name == "limit").then(|| limit.clone()).flatten();
            ModeratorAction::from_route(
                ActionName::ListBans,
                BanScope::Deployment,
                &user,
                &body("{}"),
                &query,
            )
        };
        let default = list(None).expect("parsed");
        assert!(
            matches!(default, ModeratorAction::ListBans { limit: 50, .. }),
            "{default:?}"
        );
        assert_eq!(check(&default), Ok(()));
        for (limit, allowed) in [("1", true), ("100", true), ("0", false), ("101", false)] {
            let action = list(Some(limit)).expect("parsed");
            match check(&action) {
                Ok(()) => assert!(allowed, "limit {limit} was accepted"),
                Err(ArgumentError::Invalid(violation)) => {
                    assert!(!allowed, "limit {limit} was refused");
                    assert_eq!(violation.field, "limit");
                }
                Err(other) => panic!("{other:?}"),
            }
        }
        let forged = ModeratorAction::from_webhook(&body(
            r#"{"action":"list_bans","scope":"deployment","nextToken":"%%%"}"#,
        ))
        .expect_err("a token this API did not give");
        assert_eq!(forged.field, "nextToken");
    }

    #[test]
    fn every_name_round_trips_and_only_chat_actions_are_not_ban_actions() {
        for name in ActionName::ALL {
            assert_eq!(ActionName::parse(name.as_str()), Some(name));
        }
        let chat: Vec<_> = ActionName::ALL
            .into_iter()
            .filter(|n| !n.is_ban_action())
            .collect();
        assert_eq!(
            chat,
            [
                ActionName::DeleteMessage,
                ActionName::DisconnectUser,
                ActionName::SendEvent
            ]
        );
    }
}
