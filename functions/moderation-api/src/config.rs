//! [`ModerationApiConfig`]: everything the moderation API reads at cold start.
//!
//! The webhook secret is resolved first ([`WebhookSecretSource`]: inline for local use, or
//! fetched from Secrets Manager), then the configuration is built with it
//! ([`ModerationApiConfig::load`]), so a built configuration is always complete.

use std::collections::BTreeSet;

use function_startup::{ConfigError, ConfigReader, ConfigSource};
use http_api::{ClaimNames, CorsPolicy, RoomCacheSettings, RoomScope, WebhookSecret};

use crate::events::EventNamePolicy;
use crate::secret::{WebhookSecretError, fetch_webhook_secret};

/// Where the webhook signing secret comes from.
#[derive(Debug, Clone)]
pub enum WebhookSecretSource {
    /// Neither variable is set: the webhook route is off (404).
    Off,
    /// `WEBHOOK_SECRET`: the secret itself (at least 32 bytes), for local use.
    Inline(WebhookSecret),
    /// `WEBHOOK_SECRET_ARN`: a Secrets Manager secret (ARN or name) fetched at cold start, so
    /// the value never sits in the function's configuration.
    SecretsManager(String),
}

impl WebhookSecretSource {
    /// Reads at most one of `WEBHOOK_SECRET` and `WEBHOOK_SECRET_ARN`; both set, or
    /// `WEBHOOK_SECRET_PARAMETER` (SSM), is refused naming the variable.
    pub fn from_config(config: &ConfigReader<'_>) -> Result<Self, ConfigError> {
        if config.optional("WEBHOOK_SECRET_PARAMETER").is_some() {
            return Err(ConfigError::new(
                "WEBHOOK_SECRET_PARAMETER",
                "is not supported; keep the secret in Secrets Manager and set WEBHOOK_SECRET_ARN",
            ));
        }
        match (
            config.optional("WEBHOOK_SECRET_ARN"),
            config.optional("WEBHOOK_SECRET"),
        ) {
            (Some(_), Some(_)) => Err(ConfigError::new(
                "WEBHOOK_SECRET_ARN",
                "must not be set together with WEBHOOK_SECRET; choose one",
            )),
            (Some(secret_id), None) => Ok(Self::SecretsManager(secret_id)),
            (None, Some(secret)) => Ok(Self::Inline(WebhookSecret::new(
                "WEBHOOK_SECRET",
                secret.as_bytes(),
            )?)),
            (None, None) => Ok(Self::Off),
        }
    }
}

/// Why the moderation API could not start: a bad setting, or a webhook secret that could not
/// be fetched. Neither ever shows the secret's value.
#[derive(Debug, thiserror::Error)]
pub enum ModerationApiConfigError {
    /// A setting broke its rule.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The webhook secret could not be read from Secrets Manager.
    #[error(transparent)]
    WebhookSecret(#[from] WebhookSecretError),
}

/// The moderation API's configuration, validated.
#[derive(Debug, Clone)]
pub struct ModerationApiConfig {
    /// Region, account and deployment name of the rooms served.
    pub scope: RoomScope,
    /// Which claims hold user id and roles.
    pub claims: ClaimNames,
    /// Roles that may use the moderator routes (any one suffices).
    pub moderator_roles: BTreeSet<String>,
    /// Which event names may be sent.
    pub events: EventNamePolicy,
    /// Room lookup cache.
    pub room_cache: RoomCacheSettings,
    /// Browser origins allowed to call the moderator routes.
    pub cors: CorsPolicy,
    /// The webhook secret; `None` turns the webhook route off (404).
    pub webhook_secret: Option<WebhookSecret>,
}

impl std::fmt::Display for ModerationApiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "deployment {}, webhook {}",
            self.scope.deployment,
            if self.webhook_secret.is_some() {
                "on"
            } else {
                "off"
            }
        )
    }
}

impl ModerationApiConfig {
    /// Reads `source`, fetching the webhook secret from Secrets Manager (with a client built
    /// from `aws`) before the configuration is built when `WEBHOOK_SECRET_ARN` names one.
    pub async fn load(
        source: &dyn ConfigSource,
        aws: &aws_config::SdkConfig,
    ) -> Result<Self, ModerationApiConfigError> {
        let webhook_secret = match WebhookSecretSource::from_config(&ConfigReader::new(source))? {
            WebhookSecretSource::Off => None,
            WebhookSecretSource::Inline(secret) => Some(secret),
            WebhookSecretSource::SecretsManager(secret_id) => {
                let secrets = aws_sdk_secretsmanager::Client::new(aws);
                Some(fetch_webhook_secret(&secrets, &secret_id).await?)
            }
        };
        Ok(Self::from_source(source, webhook_secret)?)
    }

    /// Reads `source` with the webhook secret already resolved: `DEPLOYMENT_NAME`,
    /// `AWS_REGION`, `AWS_ACCOUNT_ID` (required); `USER_ID_CLAIM` (default `sub`),
    /// `ROLES_CLAIM` (`cognito:groups`), `MODERATOR_ROLES` (`moderator`),
    /// `EVENT_NAME_ALLOW_LIST` (any), `ROOM_CACHE_TTL_SECONDS` (30), `CORS_ALLOWED_ORIGINS`
    /// (none). The secret's own variables are checked by [`WebhookSecretSource::from_config`].
    pub fn from_source(
        source: &dyn ConfigSource,
        webhook_secret: Option<WebhookSecret>,
    ) -> Result<Self, ConfigError> {
        let config = ConfigReader::new(source);
        let mut moderator_roles: BTreeSet<String> =
            config.list("MODERATOR_ROLES").into_iter().collect();
        if moderator_roles.is_empty() {
            moderator_roles.insert("moderator".to_owned());
        }
        Ok(Self {
            scope: RoomScope::from_config(&config)?,
            claims: ClaimNames::from_config(&config)?,
            moderator_roles,
            events: EventNamePolicy::allow_only(
                "EVENT_NAME_ALLOW_LIST",
                config.list("EVENT_NAME_ALLOW_LIST"),
            )?,
            room_cache: RoomCacheSettings::from_config(&config)?,
            cors: CorsPolicy::from_config(&config)?,
            webhook_secret,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Both cold-start steps without AWS: the secret source, then the configuration (a Secrets
    /// Manager reference is left unresolved).
    fn read(
        source: &BTreeMap<&'static str, &'static str>,
    ) -> Result<ModerationApiConfig, ConfigError> {
        let secret = match WebhookSecretSource::from_config(&ConfigReader::new(source))? {
            WebhookSecretSource::Inline(secret) => Some(secret),
            _ => None,
        };
        ModerationApiConfig::from_source(source, secret)
    }

    use toolkit_test_support::http_function_env as env;

    #[test]
    fn minimal_environment_gives_the_documented_defaults() {
        let config = read(&env(&[])).expect("valid");
        assert_eq!(
            config.moderator_roles,
            BTreeSet::from(["moderator".to_owned()])
        );
        assert_eq!(config.events, EventNamePolicy::any());
        assert!(config.webhook_secret.is_none());
    }

    #[test]
    fn short_webhook_secret_fails_naming_the_variable() {
        let error = read(&env(&[("WEBHOOK_SECRET", "hunter2")])).expect_err("too short");
        assert_eq!(error.variable, "WEBHOOK_SECRET");
        assert_eq!(error.rule, "must be at least 32 bytes long");
    }

    #[test]
    fn reserved_name_in_allow_list_fails_naming_the_variable() {
        let error = read(&env(&[(
            "EVENT_NAME_ALLOW_LIST",
            "app:poll_started,aws:DELETE_MESSAGE",
        )]))
        .expect_err("reserved");
        assert_eq!(error.variable, "EVENT_NAME_ALLOW_LIST");
    }

    #[test]
    fn a_secrets_manager_reference_is_kept_for_the_cold_start_to_fetch() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hook";
        let source = env(&[("WEBHOOK_SECRET_ARN", arn)]);
        let secret_source =
            WebhookSecretSource::from_config(&ConfigReader::new(&source)).expect("valid");
        assert!(
            matches!(&secret_source, WebhookSecretSource::SecretsManager(id) if id == arn),
            "{secret_source:?}"
        );
        let config = read(&source).expect("valid");
        assert!(config.webhook_secret.is_none(), "not fetched yet");
    }

    #[test]
    fn a_secret_given_twice_or_through_ssm_fails_naming_the_variable() {
        let both = read(&env(&[
            ("WEBHOOK_SECRET_ARN", "hook"),
            ("WEBHOOK_SECRET", "0123456789abcdef0123456789abcdef"),
        ]))
        .expect_err("two sources");
        assert_eq!(both.variable, "WEBHOOK_SECRET_ARN");
        let ssm = read(&env(&[("WEBHOOK_SECRET_PARAMETER", "/hook")])).expect_err("unsupported");
        assert_eq!(ssm.variable, "WEBHOOK_SECRET_PARAMETER");
    }

    #[test]
    fn malformed_account_id_fails_naming_the_variable() {
        let error = read(&env(&[("AWS_ACCOUNT_ID", "12-34")])).expect_err("not digits");
        assert_eq!(error.variable, "AWS_ACCOUNT_ID");
    }
}
