//! The service's error vocabulary and its restJson1 encoding.
//!
//! Every error leaves the emulator as AWS sends it: an `X-Amzn-ErrorType` header naming the
//! shape, the shape's HTTP status, and a JSON body with the shape's lowerCamelCase members.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ivschat_api::validate::Violation;
use serde_json::{Value, json};

/// Why a request failed validation (the model's `ValidationExceptionReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationReason {
    /// The route or method names no operation of the service.
    UnknownOperation,
    /// A member broke a constraint of the model.
    FieldValidationFailed,
    /// Anything else, such as a body that is not JSON.
    Other,
}

impl ValidationReason {
    /// The enum value as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownOperation => "UNKNOWN_OPERATION",
            Self::FieldValidationFailed => "FIELD_VALIDATION_FAILED",
            Self::Other => "OTHER",
        }
    }
}

/// One entry of a ValidationException's `fieldList`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The member's wire name, with a path for nested members (`messageReviewHandler.uri`).
    pub name: String,
    /// What is wrong with it.
    pub message: String,
}

/// The resource type reported in error bodies. The model's `ResourceType` enum has only `ROOM`,
/// so logging-configuration errors also say `ROOM` (the resource id still tells them apart).
pub const RESOURCE_TYPE_ROOM: &str = "ROOM";

/// An error the emulator answers with, one variant per error shape on the wire.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 400 `ValidationException`.
    #[error("ValidationException: {message}")]
    Validation {
        /// Why validation failed.
        reason: ValidationReason,
        /// Human-readable summary.
        message: String,
        /// The offending members (empty unless `reason` is `FieldValidationFailed`).
        fields: Vec<FieldProblem>,
    },
    /// 404 `ResourceNotFoundException`.
    #[error("ResourceNotFoundException: {message}")]
    ResourceNotFound {
        /// Human-readable summary.
        message: String,
        /// Id of the missing resource.
        resource_id: String,
    },
    /// 409 `ConflictException`.
    #[error("ConflictException: {message}")]
    Conflict {
        /// Human-readable summary.
        message: String,
        /// Id of the resource in conflict.
        resource_id: String,
    },
    /// 402 `ServiceQuotaExceededException`.
    #[error("ServiceQuotaExceededException: {message}")]
    ServiceQuotaExceeded {
        /// Human-readable summary.
        message: String,
        /// Id of the resource whose quota was reached (the account id for account-wide quotas).
        resource_id: String,
        /// The quota.
        limit: i64,
    },
    /// 429 `ThrottlingException`.
    #[error("ThrottlingException: {message}")]
    Throttling {
        /// Human-readable summary.
        message: String,
        /// The throttled resource (room id, or the account id when no room is named).
        resource_id: String,
        /// The rate limit (transactions per second) that was exceeded.
        limit: i64,
    },
    /// 500 `InternalServerException`.
    #[error("InternalServerException: {message}")]
    InternalServer {
        /// Human-readable summary.
        message: String,
    },
    /// 403 `MissingAuthenticationTokenException`: the request carried no SigV4 Authorization.
    #[error("MissingAuthenticationTokenException: {message}")]
    MissingAuthenticationToken {
        /// Human-readable summary.
        message: String,
    },
    /// 403 `IncompleteSignatureException`: the Authorization header is not a complete SigV4 one.
    #[error("IncompleteSignatureException: {message}")]
    IncompleteSignature {
        /// Human-readable summary.
        message: String,
    },
    /// 403 `InvalidSignatureException`: the SigV4 signature does not verify (strict mode).
    #[error("InvalidSignatureException: {message}")]
    InvalidSignature {
        /// Human-readable summary.
        message: String,
    },
    /// 403 `UnrecognizedClientException`: the access key is not configured (strict mode).
    #[error("UnrecognizedClientException: {message}")]
    UnrecognizedClient {
        /// Human-readable summary.
        message: String,
    },
}

impl ApiError {
    /// A `FIELD_VALIDATION_FAILED` error for one broken constraint.
    pub fn field(violation: Violation) -> Self {
        let message = format!("{}: {}", violation.field, violation.rule);
        Self::Validation {
            reason: ValidationReason::FieldValidationFailed,
            message,
            fields: vec![FieldProblem {
                name: violation.field,
                message: violation.rule,
            }],
        }
    }

    /// A `FIELD_VALIDATION_FAILED` error for `field` breaking `rule`.
    pub fn invalid_field(field: &str, rule: &str) -> Self {
        Self::field(Violation::new(field, rule))
    }

    /// A `ValidationException` with reason `OTHER`.
    pub fn other_validation(message: impl Into<String>) -> Self {
        Self::Validation {
            reason: ValidationReason::Other,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// A `ValidationException` with reason `UNKNOWN_OPERATION`.
    pub fn unknown_operation(method: &str, path: &str) -> Self {
        Self::Validation {
            reason: ValidationReason::UnknownOperation,
            message: format!("no operation is routed at {method} {path}"),
            fields: Vec::new(),
        }
    }

    /// The error shape's name, sent in `X-Amzn-ErrorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "ValidationException",
            Self::ResourceNotFound { .. } => "ResourceNotFoundException",
            Self::Conflict { .. } => "ConflictException",
            Self::ServiceQuotaExceeded { .. } => "ServiceQuotaExceededException",
            Self::Throttling { .. } => "ThrottlingException",
            Self::InternalServer { .. } => "InternalServerException",
            Self::MissingAuthenticationToken { .. } => "MissingAuthenticationTokenException",
            Self::IncompleteSignature { .. } => "IncompleteSignatureException",
            Self::InvalidSignature { .. } => "InvalidSignatureException",
            Self::UnrecognizedClient { .. } => "UnrecognizedClientException",
        }
    }

    /// The HTTP status the model binds the shape to.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation { .. } => StatusCode::BAD_REQUEST,
            Self::ResourceNotFound { .. } => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::ServiceQuotaExceeded { .. } => StatusCode::PAYMENT_REQUIRED,
            Self::Throttling { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::InternalServer { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Self::MissingAuthenticationToken { .. }
            | Self::IncompleteSignature { .. }
            | Self::InvalidSignature { .. }
            | Self::UnrecognizedClient { .. } => StatusCode::FORBIDDEN,
        }
    }

    /// The JSON body: the shape's members in lowerCamelCase.
    pub fn body(&self) -> Value {
        match self {
            Self::Validation {
                reason,
                message,
                fields,
            } => {
                let mut body = json!({ "message": message, "reason": reason.as_str() });
                if !fields.is_empty() {
                    body["fieldList"] = fields
                        .iter()
                        .map(|f| json!({ "name": f.name, "message": f.message }))
                        .collect();
                }
                body
            }
            Self::ResourceNotFound {
                message,
                resource_id,
            }
            | Self::Conflict {
                message,
                resource_id,
            } => json!({
                "message": message,
                "resourceId": resource_id,
                "resourceType": RESOURCE_TYPE_ROOM,
            }),
            Self::ServiceQuotaExceeded {
                message,
                resource_id,
                limit,
            }
            | Self::Throttling {
                message,
                resource_id,
                limit,
            } => json!({
                "message": message,
                "resourceId": resource_id,
                "resourceType": RESOURCE_TYPE_ROOM,
                "limit": limit,
            }),
            Self::InternalServer { message }
            | Self::MissingAuthenticationToken { message }
            | Self::IncompleteSignature { message }
            | Self::InvalidSignature { message }
            | Self::UnrecognizedClient { message } => json!({ "message": message }),
        }
    }
}

/// Turns a validation result from `ivschat_api::validate` into the service's error.
pub fn check(result: Result<(), Violation>) -> Result<(), ApiError> {
    result.map_err(ApiError::field)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        response.headers_mut().insert(
            "x-amzn-errortype",
            HeaderValue::from_static(self.error_type()),
        );
        response
    }
}
