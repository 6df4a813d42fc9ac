//! The moderation API: moderator routes (delete a message, disconnect a user, send an event;
//! ban, time out and unban in a room) and admin routes (deployment-wide bans) behind an API
//! Gateway HTTP API JWT authorizer, and a signed webhook for machine callers.
//!
//! Unlike AWS's sample (docs/ivs-chat.md §7.1), only callers holding a moderator role (from verified
//! claims) or a valid HMAC signature may act, only in rooms this deployment manages, never with
//! `aws:` event names, and only with allowed event names when an allow-list is configured.
//! Every request to a moderation route writes one audit line (target `audit`).

#![warn(missing_docs)]

pub mod actions;
pub mod audit;
pub mod bans;
pub mod config;
pub mod events;
pub mod handler;
pub mod secret;

pub use actions::{ActionOutcome, ModerationAction, ModerationError, Moderator};
pub use audit::{AUDIT_TARGET, Actor, AuditRecord};
pub use bans::{BanAction, BanDesk, BanError, BanOutcome, BanView, MAX_TIMEOUT_SECONDS};
pub use config::{ModerationApiConfig, ModerationApiConfigError, WebhookSecretSource};
pub use events::{EventNamePolicy, EventNameRefusal};
pub use handler::{ModerationApi, handle_request};
