//! The webhook signing secret from AWS Secrets Manager, fetched once at cold start, so that the
//! secret never sits in the function's configuration (where `GetFunctionConfiguration` would
//! show it).

use http_api::WebhookSecret;

/// Why the webhook secret could not be loaded. The secret's value never appears in it.
#[derive(Debug, thiserror::Error)]
pub enum WebhookSecretError {
    /// Secrets Manager did not return the secret.
    #[error("WEBHOOK_SECRET_ARN: could not read secret {secret_id} from Secrets Manager: {reason}")]
    Fetch {
        /// The secret asked for.
        secret_id: String,
        /// What went wrong (error code and message; never the value).
        reason: String,
    },
    /// The secret holds binary data, not a string.
    #[error("WEBHOOK_SECRET_ARN: secret {secret_id} must hold a SecretString")]
    NotAString {
        /// The secret asked for.
        secret_id: String,
    },
    /// The string is not a usable signing key.
    #[error("WEBHOOK_SECRET_ARN: secret {secret_id}: {rule}")]
    Unusable {
        /// The secret asked for.
        secret_id: String,
        /// The rule it broke (e.g. at least 32 bytes).
        rule: String,
    },
}

/// Reads `secret_id` (an ARN or name) with GetSecretValue and makes it the webhook key.
pub async fn fetch_webhook_secret(
    client: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
) -> Result<WebhookSecret, WebhookSecretError> {
    use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
    let output = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|error| WebhookSecretError::Fetch {
            secret_id: secret_id.to_owned(),
            reason: match (error.code(), error.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_owned(),
                _ => aws_sdk_secretsmanager::error::DisplayErrorContext(&error).to_string(),
            },
        })?;
    let value = output
        .secret_string()
        .ok_or_else(|| WebhookSecretError::NotAString {
            secret_id: secret_id.to_owned(),
        })?;
    WebhookSecret::new("WEBHOOK_SECRET_ARN", value.as_bytes()).map_err(|violation| {
        WebhookSecretError::Unusable {
            secret_id: secret_id.to_owned(),
            rule: violation.rule,
        }
    })
}
