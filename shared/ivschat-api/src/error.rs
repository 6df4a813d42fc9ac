//! The one error type callers of [`crate::ChatClient`] see.

use crate::validate::Violation;

/// One field named in a service `ValidationException`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationField {
    /// The field's name.
    pub name: String,
    /// What is wrong with it.
    pub message: String,
}

/// Why an IVS Chat call failed: bad input caught before sending, a service exception, or a
/// transport problem. Branch on variants (or [`IvsChatError::is_retryable`]), never on text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IvsChatError {
    /// The input broke a service constraint; nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(#[from] Violation),
    /// The caller's credentials may not perform the operation.
    #[error("access denied: {message}")]
    AccessDenied {
        /// The service's message.
        message: String,
    },
    /// The request conflicts with the resource's current state.
    #[error("conflict on {resource_type} {resource_id}: {message}")]
    Conflict {
        /// The service's message.
        message: String,
        /// The resource in conflict.
        resource_id: String,
        /// Its type, as the service reports it.
        resource_type: String,
    },
    /// The service failed internally; retrying may succeed.
    #[error("IVS Chat internal error: {message}")]
    InternalServer {
        /// The service's message.
        message: String,
    },
    /// The account is pending verification and may not use this operation yet.
    #[error("account pending verification: {message}")]
    PendingVerification {
        /// The service's message.
        message: String,
    },
    /// The named resource does not exist.
    #[error("{resource_type} {resource_id} not found: {message}")]
    ResourceNotFound {
        /// The service's message.
        message: String,
        /// The id of the missing resource.
        resource_id: String,
        /// Its type, as the service reports it.
        resource_type: String,
    },
    /// A service quota would be exceeded.
    #[error("service quota of {limit} exceeded for {resource_type} {resource_id}: {message}")]
    ServiceQuotaExceeded {
        /// The service's message.
        message: String,
        /// The resource concerned.
        resource_id: String,
        /// Its type, as the service reports it.
        resource_type: String,
        /// The quota.
        limit: i32,
    },
    /// The request rate is over the operation's limit; retry with backoff.
    #[error("throttled (limit {limit}): {message}")]
    Throttling {
        /// The service's message.
        message: String,
        /// The resource concerned, when the service says.
        resource_id: String,
        /// Its type, when the service says.
        resource_type: String,
        /// The rate limit, when the service says (0 otherwise).
        limit: i32,
    },
    /// The service rejected the input.
    #[error("IVS Chat rejected the request ({reason}): {message}")]
    Validation {
        /// The service's message.
        message: String,
        /// `FIELD_VALIDATION_FAILED`, `UNKNOWN_OPERATION` or `OTHER`.
        reason: String,
        /// The fields at fault.
        fields: Vec<ValidationField>,
    },
    /// No response arrived in time.
    #[error("IVS Chat call timed out: {message}")]
    Timeout {
        /// What timed out.
        message: String,
    },
    /// The request could not be sent or its response could not be read.
    #[error("transport failure talking to IVS Chat: {message}")]
    Transport {
        /// What failed.
        message: String,
    },
    /// A list operation had more results than the caller's cap; nothing was dropped silently.
    #[error("more than {cap} results; raise the cap or narrow the filter")]
    TooManyResults {
        /// The cap the caller set.
        cap: usize,
    },
    /// Any other failure, including error codes this crate does not know.
    #[error("IVS Chat error {}: {message}", code.as_deref().unwrap_or("(no code)"))]
    Unknown {
        /// The error code, if the service sent one.
        code: Option<String>,
        /// What is known about it.
        message: String,
    },
}

impl IvsChatError {
    /// True exactly for failures that a later retry may cure: throttling, internal errors,
    /// timeouts and transport failures.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Throttling { .. }
                | Self::InternalServer { .. }
                | Self::Timeout { .. }
                | Self::Transport { .. }
        )
    }

    /// True when the service said the resource does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::ResourceNotFound { .. })
    }

    /// The error's kind as a stable name (`Throttling`, `ResourceNotFound`, …), for logs and
    /// metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidInput(_) => "InvalidInput",
            Self::AccessDenied { .. } => "AccessDenied",
            Self::Conflict { .. } => "Conflict",
            Self::InternalServer { .. } => "InternalServer",
            Self::PendingVerification { .. } => "PendingVerification",
            Self::ResourceNotFound { .. } => "ResourceNotFound",
            Self::ServiceQuotaExceeded { .. } => "ServiceQuotaExceeded",
            Self::Throttling { .. } => "Throttling",
            Self::Validation { .. } => "Validation",
            Self::Timeout { .. } => "Timeout",
            Self::Transport { .. } => "Transport",
            Self::TooManyResults { .. } => "TooManyResults",
            Self::Unknown { .. } => "Unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_kinds() -> Vec<IvsChatError> {
        let m = || "m".to_string();
        vec![
            IvsChatError::InvalidInput(Violation::new("f", "r")),
            IvsChatError::AccessDenied { message: m() },
            IvsChatError::Conflict {
                message: m(),
                resource_id: m(),
                resource_type: m(),
            },
            IvsChatError::InternalServer { message: m() },
            IvsChatError::PendingVerification { message: m() },
            IvsChatError::ResourceNotFound {
                message: m(),
                resource_id: m(),
                resource_type: m(),
            },
            IvsChatError::ServiceQuotaExceeded {
                message: m(),
                resource_id: m(),
                resource_type: m(),
                limit: 1,
            },
            IvsChatError::Throttling {
                message: m(),
                resource_id: m(),
                resource_type: m(),
                limit: 1,
            },
            IvsChatError::Validation {
                message: m(),
                reason: m(),
                fields: vec![],
            },
            IvsChatError::Timeout { message: m() },
            IvsChatError::Transport { message: m() },
            IvsChatError::TooManyResults { cap: 1 },
            IvsChatError::Unknown {
                code: None,
                message: m(),
            },
        ]
    }

    #[test]
    fn only_throttling_internal_timeout_and_transport_are_retryable() {
        let retryable: Vec<&str> = all_kinds()
            .iter()
            .filter(|e| e.is_retryable())
            .map(IvsChatError::kind)
            .collect();
        assert_eq!(
            retryable,
            ["InternalServer", "Throttling", "Timeout", "Transport"]
        );
    }

    #[test]
    fn invalid_input_names_field_and_rule() {
        let err = IvsChatError::from(Violation::new("userId", "must be at most 128 characters"));
        assert_eq!(
            err.to_string(),
            "invalid input: userId: must be at most 128 characters"
        );
    }
}
