//! [`ModerationApiConfig`]: everything the moderation API reads at cold start.

use std::collections::BTreeSet;

use http_api::config::{ConfigError, ConfigReader, ConfigSource, ProcessEnv};
use http_api::{ClaimNames, CorsPolicy, RoomCacheSettings, RoomScope, WebhookSecret};

use crate::events::EventNamePolicy;

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
    /// A Secrets Manager secret (ARN or name) holding the webhook secret, fetched once at cold
    /// start into [`ModerationApiConfig::webhook_secret`] (see [`crate::secret`]).
    pub webhook_secret_arn: Option<String>,
}

impl ModerationApiConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&ProcessEnv)
    }

    /// Reads `source`: `DEPLOYMENT_NAME`, `AWS_REGION`, `AWS_ACCOUNT_ID` (required);
    /// `USER_ID_CLAIM` (default `sub`), `ROLES_CLAIM` (`cognito:groups`), `MODERATOR_ROLES`
    /// (`moderator`), `EVENT_NAME_ALLOW_LIST` (any), `ROOM_CACHE_TTL_SECONDS` (30),
    /// `CORS_ALLOWED_ORIGINS` (none), and at most one of `WEBHOOK_SECRET` (the secret itself, at
    /// least 32 bytes; for local use) and `WEBHOOK_SECRET_ARN` (a Secrets Manager secret holding
    /// it); neither turns the webhook off. `WEBHOOK_SECRET_PARAMETER` (SSM) is refused.
    pub fn from_source(source: &dyn ConfigSource) -> Result<Self, ConfigError> {
        let config = ConfigReader::new(source);
        if config.optional("WEBHOOK_SECRET_PARAMETER").is_some() {
            return Err(ConfigError::new(
                "WEBHOOK_SECRET_PARAMETER",
                "is not supported; keep the secret in Secrets Manager and set WEBHOOK_SECRET_ARN",
            ));
        }
        let webhook_secret_arn = config.optional("WEBHOOK_SECRET_ARN");
        if webhook_secret_arn.is_some() && config.optional("WEBHOOK_SECRET").is_some() {
            return Err(ConfigError::new(
                "WEBHOOK_SECRET_ARN",
                "must not be set together with WEBHOOK_SECRET; choose one",
            ));
        }
        let defaults = ClaimNames::default();
        let mut moderator_roles: BTreeSet<String> =
            config.list("MODERATOR_ROLES").into_iter().collect();
        if moderator_roles.is_empty() {
            moderator_roles.insert("moderator".to_owned());
        }
        Ok(Self {
            scope: RoomScope::from_config(&config)?,
            claims: ClaimNames {
                user_id: config.optional("USER_ID_CLAIM").unwrap_or(defaults.user_id),
                roles: config.optional("ROLES_CLAIM").unwrap_or(defaults.roles),
                display_name: None,
            },
            moderator_roles,
            events: EventNamePolicy::allow_only(
                "EVENT_NAME_ALLOW_LIST",
                config.list("EVENT_NAME_ALLOW_LIST"),
            )?,
            room_cache: RoomCacheSettings::from_config(&config)?,
            cors: CorsPolicy::parse(
                "CORS_ALLOWED_ORIGINS",
                &config.optional("CORS_ALLOWED_ORIGINS").unwrap_or_default(),
            )?,
            webhook_secret: config
                .optional("WEBHOOK_SECRET")
                .map(|secret| WebhookSecret::new("WEBHOOK_SECRET", secret.as_bytes()))
                .transpose()?,
            webhook_secret_arn,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn env(extra: &[(&'static str, &'static str)]) -> BTreeMap<&'static str, &'static str> {
        let mut env = BTreeMap::from([
            ("DEPLOYMENT_NAME", "prod"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCOUNT_ID", "123456789012"),
        ]);
        env.extend(extra.iter().copied());
        env
    }

    #[test]
    fn minimal_environment_gives_the_documented_defaults() {
        let config = ModerationApiConfig::from_source(&env(&[])).expect("valid");
        assert_eq!(
            config.moderator_roles,
            BTreeSet::from(["moderator".to_owned()])
        );
        assert_eq!(config.events, EventNamePolicy::any());
        assert!(config.webhook_secret.is_none());
    }

    #[test]
    fn short_webhook_secret_fails_naming_the_variable() {
        let error = ModerationApiConfig::from_source(&env(&[("WEBHOOK_SECRET", "hunter2")]))
            .expect_err("too short");
        assert_eq!(error.variable, "WEBHOOK_SECRET");
        assert_eq!(error.rule, "must be at least 32 bytes long");
    }

    #[test]
    fn reserved_name_in_allow_list_fails_naming_the_variable() {
        let error = ModerationApiConfig::from_source(&env(&[(
            "EVENT_NAME_ALLOW_LIST",
            "app:poll_started,aws:DELETE_MESSAGE",
        )]))
        .expect_err("reserved");
        assert_eq!(error.variable, "EVENT_NAME_ALLOW_LIST");
    }

    #[test]
    fn a_secrets_manager_reference_is_kept_for_the_cold_start_to_fetch() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hook";
        let config =
            ModerationApiConfig::from_source(&env(&[("WEBHOOK_SECRET_ARN", arn)])).expect("valid");
        assert_eq!(config.webhook_secret_arn.as_deref(), Some(arn));
        assert!(config.webhook_secret.is_none(), "not fetched yet");
    }

    #[test]
    fn a_secret_given_twice_or_through_ssm_fails_naming_the_variable() {
        let both = ModerationApiConfig::from_source(&env(&[
            ("WEBHOOK_SECRET_ARN", "hook"),
            ("WEBHOOK_SECRET", "0123456789abcdef0123456789abcdef"),
        ]))
        .expect_err("two sources");
        assert_eq!(both.variable, "WEBHOOK_SECRET_ARN");
        let ssm = ModerationApiConfig::from_source(&env(&[("WEBHOOK_SECRET_PARAMETER", "/hook")]))
            .expect_err("unsupported");
        assert_eq!(ssm.variable, "WEBHOOK_SECRET_PARAMETER");
    }

    #[test]
    fn malformed_account_id_fails_naming_the_variable() {
        let error = ModerationApiConfig::from_source(&env(&[("AWS_ACCOUNT_ID", "12-34")]))
            .expect_err("not digits");
        assert_eq!(error.variable, "AWS_ACCOUNT_ID");
    }
}
