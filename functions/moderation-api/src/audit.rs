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
    /// with its outcome intact. Each value is recorded as a string, which the text log format
    /// writes quoted and escaped (`reason="… actor=user:x"`) and the JSON format as a JSON
    /// string, so a value can never add a field of its own to the line.
    pub fn write(&self, status: u16, code: Option<&str>) {
        let capped = |value: Option<&str>| value.map_or_else(|| "-".to_owned(), log_field);
        let outcome = match status {
            200..=299 => "succeeded",
            429 | 500.. => "failed",
            _ => "refused",
        };
        tracing::info!(
            target: AUDIT_TARGET,
            actor = log_field(&self.actor.to_string()).as_str(),
            action = self.action.unwrap_or("-"),
            room = capped(self.room.as_deref()).as_str(),
            target = capped(self.target.as_deref()).as_str(),
            reason = capped(self.reason.as_deref()).as_str(),
            request_id = log_field(&self.request_id).as_str(),
            outcome,
            status,
            code = code.unwrap_or("-"),
            "moderation action"
        );
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use lambda_http::tracing::subscriber::fmt::MakeWriter;

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    /// The audit line `record` writes in the text format, or in JSON.
    fn written(record: &AuditRecord, json: bool) -> String {
        let buffer = Buffer::default();
        let builder = lambda_http::tracing::subscriber::fmt()
            .with_writer(buffer.clone())
            .with_ansi(false);
        let write = || record.write(403, Some("RoomNotAllowed"));
        if json {
            tracing::subscriber::with_default(builder.json().finish(), write);
        } else {
            tracing::subscriber::with_default(builder.finish(), write);
        }
        let bytes = buffer.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        String::from_utf8(bytes).expect("UTF-8 log")
    }

    /// The `key=value` pairs of a text log line as a reader splits them: a value in double
    /// quotes runs to the closing quote that no backslash escapes.
    fn key_values(line: &str) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let mut rest = line.trim();
        while !rest.is_empty() {
            let (word, after) = match rest.find(' ') {
                Some(space) => rest.split_at(space),
                None => (rest, ""),
            };
            let Some((key, start)) = word.split_once('=') else {
                rest = after.trim_start();
                continue;
            };
            let value_and_rest = &rest[key.len() + 1..];
            let value_len = if start.starts_with('"') {
                let mut escaped = false;
                value_and_rest
                    .char_indices()
                    .skip(1)
                    .find(|&(_, c)| {
                        let closes = c == '"' && !escaped;
                        escaped = c == '\\' && !escaped;
                        closes
                    })
                    .map_or(value_and_rest.len(), |(end, _)| end + 1)
            } else {
                value_and_rest.find(' ').unwrap_or(value_and_rest.len())
            };
            pairs.push((key.to_owned(), value_and_rest[..value_len].to_owned()));
            rest = value_and_rest[value_len..].trim_start();
        }
        pairs
    }

    #[test]
    fn a_value_cannot_forge_fields_in_either_log_format() {
        // GIVEN a reason and a target that spell out fields of their own
        let mut record = AuditRecord::new("req-1".into());
        record.actor = Actor::User("mod-1".into());
        record.action = Some("ban_user");
        record.reason = Some("spam actor=user:x outcome=succeeded".into());
        record.target = Some("u\" outcome=succeeded".into());
        // WHEN the line is written as text THEN each value stays inside its own quotes, and the
        // only actor and outcome are the real ones
        let text = written(&record, false);
        assert!(
            text.contains(r#"reason="spam actor=user:x outcome=succeeded""#),
            "{text}"
        );
        assert!(text.contains(r#"target="u\" outcome=succeeded""#), "{text}");
        let fields = key_values(&text);
        let values = |key: &str| -> Vec<&str> {
            fields
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        assert_eq!(values("actor"), [r#""user:mod-1""#], "{text}");
        assert_eq!(values("outcome"), [r#""refused""#], "{text}");
        // AND in JSON the values are the strings as given
        let json: serde_json::Value =
            serde_json::from_str(written(&record, true).trim()).expect("one JSON line");
        assert_eq!(
            json["fields"]["reason"],
            "spam actor=user:x outcome=succeeded"
        );
        assert_eq!(json["fields"]["outcome"], "refused");
        assert_eq!(json["fields"]["actor"], "user:mod-1");
    }
}
