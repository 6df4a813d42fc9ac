//! The audit trail: one structured log line (target `audit`) per request to a moderation or
//! ban route or the webhook, whatever its outcome (a refused method included); a CORS
//! preflight acts on nothing and writes none. Only values that passed authorisation
//! ([`AuditRecord::describe`]) are recorded as the target and the reason.

use std::fmt;

use http_api::log_field;

use crate::authorise::AuthorisedAction;

/// The `tracing` target of audit lines, for log filters and subscriptions.
pub const AUDIT_TARGET: &str = "audit";

/// Who asked for an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Not identified yet (no claims, or the signature is not checked yet).
    Unknown,
    /// A user with a verified JWT.
    User(String),
    /// A caller with a valid webhook signature.
    Webhook,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown => f.write_str("unknown"),
            Self::User(id) => write!(f, "user:{id}"),
            Self::Webhook => f.write_str("webhook"),
        }
    }
}

/// What is known about a request, filled in as it is checked, then written once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Who.
    pub actor: Actor,
    /// The action's name (`delete_message`, `ban_user`, …), once known.
    pub action: Option<&'static str>,
    /// The room id.
    pub room: Option<String>,
    /// The message id, user id or event name acted on.
    pub target: Option<String>,
    /// The reason given.
    pub reason: Option<String>,
    /// API Gateway's request id.
    pub request_id: String,
}

impl AuditRecord {
    /// A record for request `request_id` with nothing else known yet.
    pub fn new(request_id: String) -> Self {
        Self {
            actor: Actor::Unknown,
            action: None,
            room: None,
            target: None,
            reason: None,
            request_id,
        }
    }

    /// Records what an authorised action is: its actor, name, room, target and reason.
    pub fn describe(&mut self, authorised: &AuthorisedAction) {
        let action = authorised.action();
        self.actor = authorised.actor().clone();
        self.action = Some(action.name().as_str());
        self.room = Some(action.room_label().to_owned());
        self.target = Some(action.target().to_owned());
        self.reason = action.reason().map(str::to_owned);
    }

    /// Writes the line: `outcome` is `succeeded`, `refused` (4xx) or `failed` (429/5xx). Every
    /// field is cut to [`http_api::text::MAX_LOG_FIELD_CHARS`] with control characters
    /// replaced ([`http_api::log_field`]), so one record always fits one CloudWatch log event
    /// with its outcome intact.
    pub fn write(&self, status: u16, code: Option<&str>) {
        let capped = |value: Option<&str>| value.map_or_else(|| "-".to_owned(), log_field);
        let outcome = match status {
            200..=299 => "succeeded",
            429 | 500.. => "failed",
            _ => "refused",
        };
        tracing::info!(
            target: AUDIT_TARGET,
            actor = %log_field(&self.actor.to_string()),
            action = self.action.unwrap_or("-"),
            room = %capped(self.room.as_deref()),
            target = %capped(self.target.as_deref()),
            reason = %capped(self.reason.as_deref()),
            request_id = %log_field(&self.request_id),
            outcome,
            status,
            code = code.unwrap_or("-"),
            "moderation action"
        );
    }
}
