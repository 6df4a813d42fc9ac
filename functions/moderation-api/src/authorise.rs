//! Authorisation, done once per request: the caller's rights for the action's kind and scope,
//! then every argument. [`authorise`] is the only way to build an [`AuthorisedAction`], and the
//! executor takes nothing else, so no action reaches IVS Chat or the state table unchecked and
//! none is checked twice.
//!
//! | Action | A user needs |
//! |---|---|
//! | `delete_message`, `disconnect_user`, `send_event` | a moderator role (`MODERATOR_ROLES`) |
//! | ban, timeout, unban, get, list in one room | a moderator or an admin role |
//! | the same in every room (deployment-wide) | an admin role (`ADMIN_ROLES`) |
//!
//! A webhook caller (a valid signature over the body) may do all of them.

use http_api::{ApiError, CallerIdentity, ErrorCode};
use toolkit_state::BanScope;

use crate::action::{ArgumentError, ModeratorAction};
use crate::audit::Actor;
use crate::config::ModerationApiConfig;

/// Who asks for an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A user with a verified JWT (identity and roles from its claims only).
    User(CallerIdentity),
    /// A machine caller with a valid webhook signature.
    Webhook,
}

impl Caller {
    /// How the audit line and the ban records name this caller.
    pub fn actor(&self) -> Actor {
        match self {
            Self::User(identity) => Actor::User(identity.user_id.clone()),
            Self::Webhook => Actor::Webhook,
        }
    }
}

/// An action whose caller may take it and whose every argument was checked. Only
/// [`authorise`] builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorisedAction {
    action: ModeratorAction,
    actor: Actor,
}

impl AuthorisedAction {
    /// The checked action.
    pub fn action(&self) -> &ModeratorAction {
        &self.action
    }

    /// Who asked for it.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

/// Why an action was not authorised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorisationError {
    /// The caller's roles do not allow this action here (403 `RoleNotAllowed`).
    #[error("{0}")]
    NotAllowed(&'static str),
    /// An argument broke a rule.
    #[error(transparent)]
    Argument(#[from] ArgumentError),
}

impl From<AuthorisationError> for ApiError {
    fn from(error: AuthorisationError) -> Self {
        match error {
            AuthorisationError::NotAllowed(message) => {
                ApiError::new(ErrorCode::RoleNotAllowed, message)
            }
            AuthorisationError::Argument(ArgumentError::Invalid(violation)) => {
                ApiError::invalid_input(violation)
            }
            AuthorisationError::Argument(ArgumentError::EventName(refusal)) => refusal.into(),
        }
    }
}

/// Authorises `action` for `caller` under `config`: rights first (the table above), then every
/// argument ([`ModeratorAction::check_arguments`], with the configured event-name policy).
pub fn authorise(
    action: ModeratorAction,
    caller: &Caller,
    config: &ModerationApiConfig,
) -> Result<AuthorisedAction, AuthorisationError> {
    if let Caller::User(identity) = caller {
        let moderator = identity.has_any_role(&config.moderator_roles);
        let admin = identity.has_any_role(&config.admin_roles);
        let scope = action.scope();
        let allowed = match (action.name().is_ban_action(), &scope) {
            (false, _) => moderator,
            (true, BanScope::Room(_)) => moderator || admin,
            (true, BanScope::Deployment) => admin,
        };
        if !allowed {
            return Err(AuthorisationError::NotAllowed(match scope {
                BanScope::Room(_) => "only moderators may do this",
                BanScope::Deployment => "only admins may ban in every room",
            }));
        }
    }
    action.check_arguments(&config.events)?;
    Ok(AuthorisedAction {
        action,
        actor: caller.actor(),
    })
}
