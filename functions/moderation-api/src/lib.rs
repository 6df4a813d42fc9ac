//! The moderation API: moderator routes (delete a message, disconnect a user, send an event;
//! ban, time out and unban in a room) and admin routes (deployment-wide bans) behind an API
//! Gateway HTTP API JWT authorizer, and a signed webhook for machine callers.
//!
//! Unlike AWS's sample (docs/ivs-chat.md §7.1), only callers holding a moderator role (from verified
//! claims) or a valid HMAC signature may act, only in rooms this deployment manages, never with
//! `aws:` event names, and only with allowed event names when an allow-list is configured.
//! Every moderator action goes one way: parsed into a [`ModeratorAction`] (from a route or the
//! webhook), authorised once ([`authorise`]), carried out by one executor
//! ([`ActionExecutor`]), and audited in one place ([`AuditRecord`], target `audit`).

#![warn(missing_docs)]

pub mod action;
pub mod audit;
pub mod authorise;
pub mod config;
pub mod events;
pub mod executor;
pub mod handler;
pub mod page_token;
pub mod secret;

pub use action::{ActionName, ArgumentError, ModeratorAction};
pub use audit::{AUDIT_TARGET, Actor, AuditRecord};
pub use authorise::{AuthorisationError, AuthorisedAction, Caller, authorise};
pub use config::{ModerationApiConfig, ModerationApiConfigError, WebhookSecretSource};
pub use events::{EventNamePolicy, EventNameRefusal};
pub use executor::{ActionExecutor, ActionOutcome, BanView, ExecutionError};
pub use handler::{ModerationApi, handle_request};
