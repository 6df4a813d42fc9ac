//! The moderation actions and how they are carried out: checked, limited to managed rooms, then
//! sent to IVS Chat. Nothing here knows about Lambda; both the moderator routes and the webhook
//! end up in [`Moderator::execute`].

use std::collections::BTreeMap;

use http_api::{ApiError, JsonObject, ManagedRooms, RoomAccessError};
use ivschat_api::model::{DeleteMessageRequest, DisconnectUserRequest, SendEventRequest};
use ivschat_api::{ChatClient, IvsChatError, Violation, validate};
use serde::Serialize;

use crate::events::{EventNamePolicy, EventNameRefusal};

/// One moderation action with its arguments, as received (checked by
/// [`Moderator::execute`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModerationAction {
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
}

impl ModerationAction {
    /// The action's name: `delete_message`, `disconnect_user` or `send_event`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::DeleteMessage { .. } => "delete_message",
            Self::DisconnectUser { .. } => "disconnect_user",
            Self::SendEvent { .. } => "send_event",
        }
    }

    /// The room acted in.
    pub fn room_id(&self) -> &str {
        match self {
            Self::DeleteMessage { room_id, .. }
            | Self::DisconnectUser { room_id, .. }
            | Self::SendEvent { room_id, .. } => room_id,
        }
    }

    /// What is acted on: the message id, the user id or the event name.
    pub fn target(&self) -> &str {
        match self {
            Self::DeleteMessage { message_id, .. } => message_id,
            Self::DisconnectUser { user_id, .. } => user_id,
            Self::SendEvent { event_name, .. } => event_name,
        }
    }

    /// The reason, for the actions that have one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::DeleteMessage { reason, .. } | Self::DisconnectUser { reason, .. } => {
                reason.as_deref()
            }
            Self::SendEvent { .. } => None,
        }
    }

    /// DeleteMessage for `room_id`/`message_id` from path parameters, with body `{reason?}`.
    pub fn delete_message(
        room_id: &str,
        message_id: &str,
        body: &JsonObject,
    ) -> Result<Self, Violation> {
        body.reject_unknown_fields(&["reason"])?;
        Ok(Self::DeleteMessage {
            room_id: room_id.to_owned(),
            message_id: message_id.to_owned(),
            reason: body.optional_string("reason")?.map(str::to_owned),
        })
    }

    /// DisconnectUser for `room_id`/`user_id` from path parameters, with body `{reason?}`.
    pub fn disconnect_user(
        room_id: &str,
        user_id: &str,
        body: &JsonObject,
    ) -> Result<Self, Violation> {
        body.reject_unknown_fields(&["reason"])?;
        Ok(Self::DisconnectUser {
            room_id: room_id.to_owned(),
            user_id: user_id.to_owned(),
            reason: body.optional_string("reason")?.map(str::to_owned),
        })
    }

    /// SendEvent for `room_id` from the path, with body `{eventName, attributes?}`.
    pub fn send_event(room_id: &str, body: &JsonObject) -> Result<Self, Violation> {
        body.reject_unknown_fields(&["eventName", "attributes"])?;
        Ok(Self::SendEvent {
            room_id: room_id.to_owned(),
            event_name: body.required_string("eventName")?.to_owned(),
            attributes: body.optional_string_map("attributes")?.unwrap_or_default(),
        })
    }

    /// An action from a webhook body: `{"action": "delete_message", "roomId", "messageId",
    /// "reason"?}`, `{"action": "disconnect_user", "roomId", "userId", "reason"?}` or
    /// `{"action": "send_event", "roomId", "eventName", "attributes"?}`.
    pub fn from_webhook(body: &JsonObject) -> Result<Self, Violation> {
        let action = body.required_string("action")?;
        let fields: &[&str] = match action {
            "delete_message" => &["action", "roomId", "messageId", "reason"],
            "disconnect_user" => &["action", "roomId", "userId", "reason"],
            "send_event" => &["action", "roomId", "eventName", "attributes"],
            _ => {
                return Err(Violation::new(
                    "action",
                    "must be one of delete_message, disconnect_user, send_event",
                ));
            }
        };
        body.reject_unknown_fields(fields)?;
        let room_id = body.required_string("roomId")?.to_owned();
        let reason = body.optional_string("reason")?.map(str::to_owned);
        Ok(match action {
            "delete_message" => Self::DeleteMessage {
                room_id,
                message_id: body.required_string("messageId")?.to_owned(),
                reason,
            },
            "disconnect_user" => Self::DisconnectUser {
                room_id,
                user_id: body.required_string("userId")?.to_owned(),
                reason,
            },
            _ => Self::SendEvent {
                room_id,
                event_name: body.required_string("eventName")?.to_owned(),
                attributes: body.optional_string_map("attributes")?.unwrap_or_default(),
            },
        })
    }

    /// Checks every argument against the service's rules and the event-name policy, before
    /// anything is looked up or sent.
    fn check(&self, events: &EventNamePolicy) -> Result<(), ModerationError> {
        let reason_ok = |reason: &Option<String>| match reason {
            Some(reason) => validate::reason("reason", reason),
            None => Ok(()),
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
        }
        Ok(())
    }
}

/// A completed action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionOutcome {
    /// The action's name.
    pub action: &'static str,
    /// The room id.
    pub room_id: String,
    /// The id IVS Chat gave the operation (DeleteMessage, SendEvent; DisconnectUser returns
    /// none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Why an action was not carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModerationError {
    /// An argument broke a rule.
    #[error(transparent)]
    InvalidInput(#[from] Violation),
    /// The event name is reserved or not allowed.
    #[error(transparent)]
    EventName(#[from] EventNameRefusal),
    /// The room may not be used.
    #[error(transparent)]
    Room(#[from] RoomAccessError),
    /// IVS Chat refused or failed.
    #[error(transparent)]
    Chat(#[from] IvsChatError),
}

impl From<ModerationError> for ApiError {
    fn from(error: ModerationError) -> Self {
        match error {
            ModerationError::InvalidInput(violation) => ApiError::invalid_input(violation),
            ModerationError::EventName(refusal) => refusal.into(),
            ModerationError::Room(error) => error.into(),
            ModerationError::Chat(error) => ApiError::from_chat_error(&error),
        }
    }
}

/// Carries out moderation actions in the rooms this deployment manages.
pub struct Moderator {
    client: ChatClient,
    rooms: ManagedRooms,
    events: EventNamePolicy,
}

impl Moderator {
    /// A moderator calling IVS Chat through `client`, limited to `rooms`, sending only event
    /// names `events` allows.
    pub fn new(client: ChatClient, rooms: ManagedRooms, events: EventNamePolicy) -> Self {
        Self {
            client,
            rooms,
            events,
        }
    }

    /// The managed-room check this moderator uses (bans share it, and its cache).
    pub fn rooms(&self) -> &ManagedRooms {
        &self.rooms
    }

    /// Checks `action`'s arguments against the service's rules and the event-name policy,
    /// without calling anything.
    pub fn check(&self, action: &ModerationAction) -> Result<(), ModerationError> {
        action.check(&self.events)
    }

    /// Checks `action`, resolves its room (must exist and be managed by this deployment; an
    /// unknown room counts against `caller`'s GetRoom ration) and calls DeleteMessage,
    /// DisconnectUser or SendEvent.
    pub async fn execute(
        &self,
        caller: &str,
        action: &ModerationAction,
    ) -> Result<ActionOutcome, ModerationError> {
        action.check(&self.events)?;
        let room = self
            .rooms
            .resolve(caller, "roomId", action.room_id())
            .await?;
        let id = match action {
            ModerationAction::DeleteMessage {
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
            ModerationAction::DisconnectUser {
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
            ModerationAction::SendEvent {
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
        };
        Ok(ActionOutcome {
            action: action.name(),
            room_id: action.room_id().to_owned(),
            id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> JsonObject {
        JsonObject::from_body(text.as_bytes()).expect("object")
    }

    #[test]
    fn webhook_body_names_the_action_and_its_arguments() {
        let action = ModerationAction::from_webhook(&body(
            r#"{"action":"disconnect_user","roomId":"ManagedRoom1","userId":"u-7","reason":"abuse"}"#,
        ))
        .expect("valid");
        assert_eq!(
            action,
            ModerationAction::DisconnectUser {
                room_id: "ManagedRoom1".into(),
                user_id: "u-7".into(),
                reason: Some("abuse".into())
            }
        );
    }

    #[test]
    fn webhook_body_with_unknown_action_or_field_is_refused() {
        let unknown =
            ModerationAction::from_webhook(&body(r#"{"action":"ban_user","roomId":"r"}"#))
                .expect_err("unknown action");
        assert_eq!(unknown.field, "action");
        let extra = ModerationAction::from_webhook(&body(
            r#"{"action":"send_event","roomId":"r","eventName":"e","reason":"x"}"#,
        ))
        .expect_err("reason is not a send_event field");
        assert_eq!(extra.field, "reason");
    }

    #[test]
    fn empty_reason_is_refused_before_anything_is_sent() {
        let action = ModerationAction::delete_message(
            "ManagedRoom1",
            "Msg000000001",
            &body(r#"{"reason":""}"#),
        )
        .expect("parsed");
        let error = action
            .check(&EventNamePolicy::any())
            .expect_err("empty reason");
        assert!(matches!(error, ModerationError::InvalidInput(v) if v.field == "reason"));
    }
}
