//! [`EventNamePolicy`]: which SendEvent names callers may broadcast.
//!
//! Names starting with `aws:` are the service's own (`aws:DELETE_MESSAGE`,
//! `aws:DISCONNECT_USER`); sending one would let a caller fake a system event, so they are
//! always refused. An optional allow-list narrows the rest (e.g. so nobody can broadcast the
//! sample's `app:DELETE_BY_USER` to wipe a victim's messages; docs/ivs-chat.md §7.1).

use std::collections::BTreeSet;

use http_api::{ApiError, ErrorCode};
use ivschat_api::{Violation, validate};

/// The reserved prefix, compared case-insensitively.
pub const RESERVED_PREFIX: &str = "aws:";

/// Why an event name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventNameRefusal {
    /// The name breaks a service rule or uses the reserved prefix (400).
    #[error(transparent)]
    Invalid(Violation),
    /// The name is valid but not on the allow-list (403).
    #[error("event name `{0}` is not on the allow-list")]
    NotAllowed(String),
}

impl From<EventNameRefusal> for ApiError {
    fn from(refusal: EventNameRefusal) -> Self {
        match refusal {
            EventNameRefusal::Invalid(violation) => ApiError::invalid_input(violation),
            EventNameRefusal::NotAllowed(name) => ApiError::new(
                ErrorCode::EventNameNotAllowed,
                format!("eventName: `{name}` is not an allowed event name"),
            )
            .with_field("eventName"),
        }
    }
}

/// The event names callers may send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventNamePolicy {
    allow_list: Option<BTreeSet<String>>,
}

impl EventNamePolicy {
    /// Any name but the reserved ones.
    pub fn any() -> Self {
        Self::default()
    }

    /// Only `names` (none of which may be reserved or invalid); an empty list means any name.
    /// `field` names the setting in errors.
    pub fn allow_only(field: &str, names: Vec<String>) -> Result<Self, Violation> {
        if names.is_empty() {
            return Ok(Self::any());
        }
        for name in &names {
            validate::event_name(field, name)?;
            if is_reserved(name) {
                return Err(Violation::new(
                    field,
                    format!("`{name}` uses the reserved prefix {RESERVED_PREFIX}"),
                ));
            }
        }
        Ok(Self {
            allow_list: Some(names.into_iter().collect()),
        })
    }

    /// Checks `name` (the `eventName` field).
    pub fn check(&self, name: &str) -> Result<(), EventNameRefusal> {
        validate::event_name("eventName", name).map_err(EventNameRefusal::Invalid)?;
        if is_reserved(name) {
            return Err(EventNameRefusal::Invalid(Violation::new(
                "eventName",
                format!("must not start with the reserved prefix {RESERVED_PREFIX}"),
            )));
        }
        match &self.allow_list {
            Some(allowed) if !allowed.contains(name) => {
                Err(EventNameRefusal::NotAllowed(name.to_owned()))
            }
            _ => Ok(()),
        }
    }
}

fn is_reserved(name: &str) -> bool {
    name.get(..RESERVED_PREFIX.len())
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(RESERVED_PREFIX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_prefix_is_refused_in_any_case() {
        for name in ["aws:DELETE_MESSAGE", "AWS:x", "Aws:y"] {
            assert!(matches!(
                EventNamePolicy::any().check(name),
                Err(EventNameRefusal::Invalid(_))
            ));
        }
        assert_eq!(EventNamePolicy::any().check("app:aws:ok"), Ok(()));
    }

    #[test]
    fn allow_list_admits_only_its_names() {
        let policy =
            EventNamePolicy::allow_only("L", vec!["app:poll_started".into()]).expect("valid");
        assert_eq!(policy.check("app:poll_started"), Ok(()));
        assert_eq!(
            policy.check("app:DELETE_BY_USER"),
            Err(EventNameRefusal::NotAllowed("app:DELETE_BY_USER".into()))
        );
    }

    #[test]
    fn allow_list_may_not_contain_reserved_names() {
        assert!(EventNamePolicy::allow_only("L", vec!["aws:DELETE_MESSAGE".into()]).is_err());
    }
}
