//! [`ApiError`]: a refusal or failure as the HTTP caller sees it, with a stable code and, for
//! bad input, the field at fault. Internal detail (upstream messages, stack traces) never goes
//! into it; log that where the error is made.

use std::fmt;
use std::time::Duration;

use http::{HeaderValue, Method, StatusCode, header};
use ivschat_api::{IvsChatError, Violation};
use lambda_http::{Body, Response};
use serde_json::json;

use crate::response::json_response;
use crate::text::bounded;

/// How long a throttled caller is told to wait when the upstream gave no better hint. IVS Chat
/// sends no Retry-After of its own; its rate limits are per second (docs/ivs-chat.md §3).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Longest `error.message`, in characters; longer ones end in `…`.
pub const MAX_MESSAGE_CHARS: usize = 300;
/// Longest `error.field`, in characters; longer ones end in `…`.
pub const MAX_FIELD_CHARS: usize = 64;

/// The stable, machine-readable `error.code` of an error body. Callers branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 400: the body, a path parameter or a header broke a rule; `field` names it.
    InvalidInput,
    /// 401: no verified JWT claims, or a claim the function needs is missing.
    Unauthorized,
    /// 401: a webhook's signature is missing, malformed, stale or wrong.
    InvalidSignature,
    /// 403: none of the caller's roles allows this.
    RoleNotAllowed,
    /// 403: the caller asked for capabilities beyond what their roles allow.
    CapabilityNotAllowed,
    /// 403: the room exists but is not managed by this deployment.
    RoomNotAllowed,
    /// 403: the event name is not on the configured allow-list.
    EventNameNotAllowed,
    /// 403: the caller may not use this room (e.g. banned).
    UserNotAllowed,
    /// 403: a CORS preflight from an origin that is not allowed.
    OriginNotAllowed,
    /// 404: no such route.
    NotFound,
    /// 404: no such room.
    RoomNotFound,
    /// 405: the route exists, the method does not; the `Allow` header lists the methods.
    MethodNotAllowed,
    /// 409: a signed webhook whose nonce was already used inside the signature window.
    ReplayDetected,
    /// 409: a ban write found another ban than the one it expected (already banned, or the ban
    /// changed since it was read); the message says which ban stands.
    BanConflict,
    /// 404: the user has no active ban there.
    BanNotFound,
    /// 413: the body is larger than the route accepts.
    PayloadTooLarge,
    /// 429: the chat service throttled us; retry after the `Retry-After` header.
    Throttled,
    /// 502: the chat service failed; nothing about why is disclosed.
    UpstreamFailure,
}

impl ErrorCode {
    /// The code as it appears in the body.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidInput => "InvalidInput",
            Self::Unauthorized => "Unauthorized",
            Self::InvalidSignature => "InvalidSignature",
            Self::RoleNotAllowed => "RoleNotAllowed",
            Self::CapabilityNotAllowed => "CapabilityNotAllowed",
            Self::RoomNotAllowed => "RoomNotAllowed",
            Self::EventNameNotAllowed => "EventNameNotAllowed",
            Self::UserNotAllowed => "UserNotAllowed",
            Self::OriginNotAllowed => "OriginNotAllowed",
            Self::NotFound => "NotFound",
            Self::RoomNotFound => "RoomNotFound",
            Self::MethodNotAllowed => "MethodNotAllowed",
            Self::ReplayDetected => "ReplayDetected",
            Self::BanConflict => "BanConflict",
            Self::BanNotFound => "BanNotFound",
            Self::PayloadTooLarge => "PayloadTooLarge",
            Self::Throttled => "Throttled",
            Self::UpstreamFailure => "UpstreamFailure",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> StatusCode {
        match self {
            Self::InvalidInput => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::InvalidSignature => StatusCode::UNAUTHORIZED,
            Self::RoleNotAllowed
            | Self::CapabilityNotAllowed
            | Self::RoomNotAllowed
            | Self::EventNameNotAllowed
            | Self::UserNotAllowed
            | Self::OriginNotAllowed => StatusCode::FORBIDDEN,
            Self::NotFound | Self::RoomNotFound | Self::BanNotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::ReplayDetected | Self::BanConflict => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Throttled => StatusCode::TOO_MANY_REQUESTS,
            Self::UpstreamFailure => StatusCode::BAD_GATEWAY,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answer: code (and so status), a message safe to show the caller, the field at
/// fault for bad input, and the headers some statuses need (`Allow`, `Retry-After`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    field: Option<String>,
    retry_after: Option<Duration>,
    allow: Vec<Method>,
}

impl ApiError {
    /// An error with `code` and a caller-safe `message` (cut to [`MAX_MESSAGE_CHARS`], control
    /// characters replaced, so no input echoed in it can make the body unbounded).
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: bounded(&message.into(), MAX_MESSAGE_CHARS),
            field: None,
            retry_after: None,
            allow: Vec::new(),
        }
    }

    /// The same error naming `field` as the culprit (cut to [`MAX_FIELD_CHARS`]: a field name
    /// can come from the caller's body).
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(bounded(&field.into(), MAX_FIELD_CHARS));
        self
    }

    /// 400 `InvalidInput` naming the violation's field, message `field: rule`.
    pub fn invalid_input(violation: Violation) -> Self {
        Self::new(ErrorCode::InvalidInput, violation.to_string()).with_field(violation.field)
    }

    /// 401 `Unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    /// 404 `NotFound` for a path no route serves.
    pub fn route_not_found() -> Self {
        Self::new(ErrorCode::NotFound, "no such route")
    }

    /// 405 `MethodNotAllowed`; the response's `Allow` header lists `allowed`.
    pub fn method_not_allowed(allowed: &[Method]) -> Self {
        let mut error = Self::new(
            ErrorCode::MethodNotAllowed,
            "method not allowed on this route",
        );
        error.allow = allowed.to_vec();
        error
    }

    /// 429 `Throttled` telling the caller to come back after `retry_after` (whole seconds,
    /// at least one).
    pub fn throttled(retry_after: Duration) -> Self {
        let mut error = Self::new(
            ErrorCode::Throttled,
            "the chat service is busy; retry after the Retry-After delay",
        );
        error.retry_after = Some(retry_after);
        error
    }

    /// 502 `UpstreamFailure` with a fixed message: what went wrong upstream stays in the logs.
    pub fn upstream_failure() -> Self {
        Self::new(
            ErrorCode::UpstreamFailure,
            "the chat service could not complete the request",
        )
    }

    /// The answer for a failed IVS Chat call: input we should have caught → 400 naming the
    /// field; room not found → 404; throttling → 429 with Retry-After; anything else → 502
    /// without detail. The upstream kind and message are logged here, at WARN.
    pub fn from_chat_error(error: &IvsChatError) -> Self {
        match error {
            IvsChatError::InvalidInput(violation) => Self::invalid_input(violation.clone()),
            IvsChatError::ResourceNotFound { .. } => {
                Self::new(ErrorCode::RoomNotFound, "no such room")
            }
            IvsChatError::Throttling { .. } => {
                tracing::warn!(upstream_error = error.kind(), "IVS Chat throttled the call");
                Self::throttled(DEFAULT_RETRY_AFTER)
            }
            other => {
                tracing::warn!(upstream_error = other.kind(), detail = %other, "IVS Chat call failed");
                Self::upstream_failure()
            }
        }
    }

    /// The error's code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// The caller-safe message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The field at fault, if any.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The JSON body `{"error":{"code":..,"message":..,"field":..}}`.
    pub fn body(&self) -> serde_json::Value {
        let mut error = json!({ "code": self.code.as_str(), "message": self.message });
        if let (Some(field), Some(map)) = (&self.field, error.as_object_mut()) {
            map.insert("field".into(), json!(field));
        }
        json!({ "error": error })
    }

    /// The complete response: status, JSON body, and `Allow` / `Retry-After` where they apply.
    pub fn into_response(self) -> Response<Body> {
        let mut response = json_response(self.status(), &self.body());
        let headers = response.headers_mut();
        if !self.allow.is_empty() {
            let allow = self
                .allow
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            if let Ok(value) = HeaderValue::from_str(&allow) {
                headers.insert(header::ALLOW, value);
            }
        }
        if let Some(delay) = self.retry_after {
            let seconds = delay.as_secs().max(1);
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<Violation> for ApiError {
    fn from(violation: Violation) -> Self {
        Self::invalid_input(violation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_input_body_names_field_and_rule() {
        // GIVEN a violation
        let error = ApiError::invalid_input(Violation::new(
            "sessionDurationInMinutes",
            "must be between 1 and 60",
        ));
        // WHEN it becomes a body
        let body = error.body();
        // THEN code, message and field are all there
        assert_eq!(
            body,
            json!({"error": {"code": "InvalidInput",
                "message": "sessionDurationInMinutes: must be between 1 and 60",
                "field": "sessionDurationInMinutes"}})
        );
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn method_not_allowed_lists_allowed_methods() {
        let response =
            ApiError::method_not_allowed(&[Method::POST, Method::OPTIONS]).into_response();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()[header::ALLOW], "POST, OPTIONS");
    }

    #[test]
    fn throttling_upstream_becomes_429_with_retry_after() {
        let upstream = IvsChatError::Throttling {
            message: "Rate exceeded".into(),
            resource_id: String::new(),
            resource_type: String::new(),
            limit: 5,
        };
        let response = ApiError::from_chat_error(&upstream).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn other_upstream_failures_become_502_without_detail() {
        let upstream = IvsChatError::AccessDenied {
            message: "User arn:aws:iam::123456789012:role/secret is not authorized".into(),
        };
        let error = ApiError::from_chat_error(&upstream);
        assert_eq!(error.status(), StatusCode::BAD_GATEWAY);
        assert!(!error.body().to_string().contains("arn:aws:iam"));
    }
}
