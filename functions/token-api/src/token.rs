//! Minting chat tokens: what a caller may ask for ([`ChatTokenRequest`]), what they get
//! ([`TokenIssuer::issue`]), and why they may be refused ([`TokenError`]). Nothing here knows
//! about Lambda or HTTP beyond the error mapping.

use std::collections::{BTreeMap, BTreeSet};

use http_api::{ApiError, CallerIdentity, ErrorCode, JsonObject, ManagedRooms, RoomAccessError};
use ivschat_api::model::{Capability, ChatToken, CreateChatTokenRequest};
use ivschat_api::{ChatClient, IvsChatError, RoomArn, Violation};
use toolkit_state::{ActiveBan, BanLookup, NoBans, StateError};

use crate::config::DEFAULT_SESSION_MINUTES;
use crate::roles::RoleCapabilities;

/// The token attribute holding the caller's display name, sanitised
/// ([`http_api::sanitize_display_name`]).
pub const DISPLAY_NAME_ATTRIBUTE: &str = "displayName";
/// The token attribute holding the caller's recognised roles in one canonical form: role names
/// in name order joined by `,` (`chatter,moderator`). Role names never hold a comma
/// (`http_api::text`), so the list is unambiguous; the review handler's `trusted_attributes`
/// rules match one element of it.
pub const ROLE_ATTRIBUTE: &str = "role";
/// The separator of [`ROLE_ATTRIBUTE`]'s list.
pub const ROLE_SEPARATOR: char = ',';
/// Longest display name copied into a token, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = http_api::text::MAX_DISPLAY_NAME_CHARS;

/// What the caller may ask for in the (optional) JSON body. Identity, roles and attributes are
/// never read from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChatTokenRequest {
    /// A subset of the capabilities the caller's roles allow; `None` means all of them.
    pub capabilities: Option<BTreeSet<Capability>>,
    /// Session length in minutes; `None` means the default (60, capped at the maximum).
    pub session_duration_in_minutes: Option<i64>,
}

impl ChatTokenRequest {
    /// The body fields accepted.
    pub const FIELDS: [&'static str; 2] = ["capabilities", "sessionDurationInMinutes"];

    /// Reads the body: unknown fields, unknown capabilities and a duration outside
    /// 1–`max_session_minutes` are refused naming the field.
    pub fn from_json(body: &JsonObject, max_session_minutes: i64) -> Result<Self, Violation> {
        body.reject_unknown_fields(&Self::FIELDS)?;
        let capabilities = body
            .optional_string_list("capabilities")?
            .map(|names| {
                names
                    .iter()
                    .enumerate()
                    .map(|(i, name)| Capability::parse(&format!("capabilities[{i}]"), name))
                    .collect::<Result<BTreeSet<_>, _>>()
            })
            .transpose()?;
        let session_duration_in_minutes = body.optional_integer("sessionDurationInMinutes")?;
        if let Some(minutes) = session_duration_in_minutes
            && !(1..=max_session_minutes).contains(&minutes)
        {
            return Err(Violation::new(
                "sessionDurationInMinutes",
                format!("must be between 1 and {max_session_minutes}"),
            ));
        }
        Ok(Self {
            capabilities,
            session_duration_in_minutes,
        })
    }
}

/// Why no token was issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// None of the caller's roles is in the role map.
    #[error("none of the caller's roles may hold a chat token")]
    NoRecognisedRole,
    /// The body asked for a capability the caller's roles do not allow.
    #[error("capability {0} is not allowed for the caller's roles")]
    CapabilityNotAllowed(Capability),
    /// The caller is banned or timed out in this room (or in every room).
    #[error("the caller may not join this room: {}", refusal_text(.0))]
    Banned(ActiveBan),
    /// The room may not be used.
    #[error(transparent)]
    Room(#[from] RoomAccessError),
    /// The bans could not be checked.
    #[error("ban list unavailable: {0}")]
    BanListUnavailable(StateError),
    /// CreateChatToken failed.
    #[error("CreateChatToken failed: {0}")]
    Chat(#[from] IvsChatError),
}

impl From<TokenError> for ApiError {
    /// 403 for role, capability and ban refusals; the room and upstream mappings otherwise.
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::NoRecognisedRole => ApiError::new(
                ErrorCode::RoleNotAllowed,
                "none of your roles may join chat rooms",
            ),
            TokenError::CapabilityNotAllowed(capability) => ApiError::new(
                ErrorCode::CapabilityNotAllowed,
                format!("capabilities: {capability} is not allowed for your roles"),
            )
            .with_field("capabilities"),
            TokenError::Banned(ban) => ApiError::new(ErrorCode::UserNotAllowed, refusal_text(&ban)),
            TokenError::Room(error) => error.into(),
            TokenError::BanListUnavailable(error) => {
                tracing::warn!(%error, "ban list check failed; no token issued");
                ApiError::upstream_failure()
            }
            TokenError::Chat(error) => ApiError::from_chat_error(&error),
        }
    }
}

/// What the 403 says to a banned caller: `you are banned from this room until a moderator
/// lifts the ban` or `you are timed out in every room until 2026-01-01T00:10:00Z`.
pub fn refusal_text(ban: &ActiveBan) -> String {
    let place = if ban.everywhere {
        "every room"
    } else {
        "this room"
    };
    match ban.until_rfc3339() {
        None => format!("you are banned from {place} until a moderator lifts the ban"),
        Some(end) => format!("you are timed out in {place} until {end}"),
    }
}

/// A token issued, with what it grants (for logs and tests; the token's Debug hides it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The token and its expiry times.
    pub token: ChatToken,
    /// The room it admits to.
    pub room: RoomArn,
    /// The capabilities it carries.
    pub capabilities: Vec<Capability>,
    /// The session length asked of IVS Chat.
    pub session_duration_in_minutes: i64,
}

/// Issues chat tokens: role → capabilities, managed-room check, ban check, CreateChatToken.
pub struct TokenIssuer {
    client: ChatClient,
    rooms: ManagedRooms,
    roles: RoleCapabilities,
    max_session_minutes: i64,
    bans: Box<dyn BanLookup>,
}

impl TokenIssuer {
    /// An issuer calling IVS Chat through `client`, checking rooms with `rooms`, with no bans.
    pub fn new(
        client: ChatClient,
        rooms: ManagedRooms,
        roles: RoleCapabilities,
        max_session_minutes: i64,
    ) -> Self {
        Self {
            client,
            rooms,
            roles,
            max_session_minutes,
            bans: Box::new(NoBans),
        }
    }

    /// The same issuer consulting `bans` before minting (the state table in the Lambda). Bans
    /// that outlive a disconnect are refused here, before any token is minted (DisconnectUser
    /// alone does not ban; docs/ivs-chat.md §8.9); while bans cannot be checked, no token is
    /// issued (502).
    pub fn with_ban_list(mut self, bans: impl BanLookup) -> Self {
        self.bans = Box::new(bans);
        self
    }

    /// A token for `caller` in room `room_id` (the 12-character id), as `request` asks within
    /// what the caller's roles allow. Checks, in order: a recognised role, the capabilities
    /// asked for, the room (exists, managed by this deployment), the ban list; then calls
    /// CreateChatToken with attributes set here (display name, roles).
    pub async fn issue(
        &self,
        caller: &CallerIdentity,
        room_id: &str,
        request: &ChatTokenRequest,
    ) -> Result<IssuedToken, TokenError> {
        let granted = self
            .roles
            .grant(&caller.roles)
            .ok_or(TokenError::NoRecognisedRole)?;
        let capabilities = match &request.capabilities {
            None => granted.capabilities.clone(),
            Some(asked) => {
                if let Some(extra) = asked.difference(&granted.capabilities).next() {
                    return Err(TokenError::CapabilityNotAllowed(*extra));
                }
                asked.clone()
            }
        };
        let session_duration_in_minutes = request
            .session_duration_in_minutes
            .unwrap_or(DEFAULT_SESSION_MINUTES)
            .min(self.max_session_minutes);
        let room = self
            .rooms
            .resolve(&caller.user_id, "roomId", room_id)
            .await?;
        if let Some(ban) = self
            .bans
            .current_ban(room.id(), &caller.user_id)
            .await
            .map_err(TokenError::BanListUnavailable)?
        {
            return Err(TokenError::Banned(ban));
        }
        let mut attributes =
            BTreeMap::from([(ROLE_ATTRIBUTE.to_owned(), canonical_roles(&granted.roles))]);
        // Already sanitised and capped by `CallerIdentity`; sanitising again keeps this safe
        // for any caller built by hand.
        if let Some(name) = caller
            .display_name
            .as_deref()
            .and_then(http_api::sanitize_display_name)
        {
            attributes.insert(DISPLAY_NAME_ATTRIBUTE.to_owned(), name);
        }
        let capabilities: Vec<Capability> = capabilities.into_iter().collect();
        let token = self
            .client
            .create_chat_token(&CreateChatTokenRequest {
                room: room.clone(),
                user_id: caller.user_id.clone(),
                capabilities: capabilities.clone(),
                session_duration_in_minutes: Some(session_duration_in_minutes),
                attributes,
            })
            .await?;
        Ok(IssuedToken {
            token,
            room,
            capabilities,
            session_duration_in_minutes,
        })
    }
}

/// The [`ROLE_ATTRIBUTE`] value for `roles`: sorted, deduplicated, joined by
/// [`ROLE_SEPARATOR`].
pub fn canonical_roles(roles: &[String]) -> String {
    let sorted: BTreeSet<&str> = roles.iter().map(String::as_str).collect();
    sorted
        .into_iter()
        .collect::<Vec<_>>()
        .join(&ROLE_SEPARATOR.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ban_refusal_says_where_and_until_when() {
        let timeout = ActiveBan {
            until: Some(1_767_226_200),
            everywhere: false,
        };
        assert_eq!(
            refusal_text(&timeout),
            "you are timed out in this room until 2026-01-01T00:10:00Z"
        );
        let ban = ActiveBan {
            until: None,
            everywhere: true,
        };
        assert_eq!(
            refusal_text(&ban),
            "you are banned from every room until a moderator lifts the ban"
        );
    }

    #[test]
    fn roles_attribute_is_sorted_and_comma_joined() {
        let roles = ["moderator", "chatter", "moderator"].map(String::from);
        assert_eq!(canonical_roles(&roles), "chatter,moderator");
    }

    fn body(text: &str) -> JsonObject {
        JsonObject::from_body(text.as_bytes()).expect("object")
    }

    #[test]
    fn empty_body_asks_for_defaults() {
        assert_eq!(
            ChatTokenRequest::from_json(&body(""), 60),
            Ok(ChatTokenRequest::default())
        );
    }

    #[test]
    fn duration_beyond_the_configured_maximum_is_refused() {
        let error = ChatTokenRequest::from_json(&body(r#"{"sessionDurationInMinutes":61}"#), 60)
            .expect_err("too long");
        assert_eq!(error.field, "sessionDurationInMinutes");
        assert_eq!(error.rule, "must be between 1 and 60");
    }

    #[test]
    fn unknown_capability_names_the_element() {
        let error = ChatTokenRequest::from_json(
            &body(r#"{"capabilities":["SEND_MESSAGE","BAN_USER"]}"#),
            60,
        )
        .expect_err("unknown");
        assert_eq!(error.field, "capabilities[1]");
    }

    #[test]
    fn body_fields_for_identity_are_refused() {
        for field in ["userId", "attributes", "role"] {
            let text = format!(r#"{{"{field}":"x"}}"#);
            let error = ChatTokenRequest::from_json(&body(&text), 60).expect_err("refused");
            assert_eq!(error.field, field);
        }
    }
}
