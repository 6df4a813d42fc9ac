//! [`ModerationApiConfig`]: everything the moderation API reads at cold start.
//!
//! The webhook secret is resolved first ([`WebhookSecretSource`]: inline for local use, or
//! fetched from Secrets Manager), then the configuration is built with it
//! ([`ModerationApiConfig::load`]), so a built configuration is always complete.

use std::collections::BTreeSet;

use function_startup::{ConfigError, ConfigReader, ConfigSource};
use http_api::{
    ClaimNames, CorsPolicy, LegacySignatures, RoomCacheSettings, RoomScope, WebhookSecret,
    configured_roles,
};
use toolkit_state::{StateTable, TABLE_NAME_VARIABLE};

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
    /// Roles that may use the moderator routes, room bans included (any one suffices).
    pub moderator_roles: BTreeSet<String>,
    /// Roles that may ban deployment-wide (`ADMIN_ROLES`, default `admin`).
    pub admin_roles: BTreeSet<String>,
    /// Which event names may be sent.
    pub events: EventNamePolicy,
    /// Room lookup cache.
    pub room_cache: RoomCacheSettings,
    /// Browser origins allowed to call the moderator routes.
    pub cors: CorsPolicy,
    /// The webhook secret; `None` turns the webhook route off (404).
    pub webhook_secret: Option<WebhookSecret>,
    /// Whether legacy `v1` webhook signatures are still accepted (`WEBHOOK_ACCEPT_V1`, default
    /// off): only while senders migrate to `v2`.
    pub legacy_signatures: LegacySignatures,
    /// The state table holding seen webhook nonces and bans (`STATE_TABLE_NAME`); required
    /// when the webhook is on. Without it, ban routes answer 502.
    pub state_table_name: Option<String>,
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
                // Read once, during the cold start (Lambda allows the init phase 10 s): 1 s to
                // connect, 2 s per attempt, 5 s in all, 3 attempts (the timeouts table of
                // docs/deploy.md).
                let config = aws_sdk_secretsmanager::config::Builder::from(aws)
                    .timeout_config(
                        aws_sdk_secretsmanager::config::timeout::TimeoutConfig::builder()
                            .connect_timeout(std::time::Duration::from_secs(1))
                            .operation_attempt_timeout(std::time::Duration::from_secs(2))
                            .operation_timeout(std::time::Duration::from_secs(5))
                            .build(),
                    )
                    .retry_config(
                        aws_sdk_secretsmanager::config::retry::RetryConfig::standard()
                            .with_max_attempts(3),
                    )
                    .build();
                let secrets = aws_sdk_secretsmanager::Client::from_conf(config);
                Some(fetch_webhook_secret(&secrets, &secret_id).await?)
            }
        };
        Ok(Self::from_source(source, webhook_secret)?)
    }

    /// Reads `source` with the webhook secret already resolved: `DEPLOYMENT_NAME`,
    /// `AWS_REGION`, `AWS_ACCOUNT_ID` (required); `USER_ID_CLAIM` (default `sub`),
    /// `ROLES_CLAIM` (`cognito:groups`), `MODERATOR_ROLES` (`moderator`), `ADMIN_ROLES`
    /// (`admin`, for deployment-wide bans), `EVENT_NAME_ALLOW_LIST` (any),
    /// `ROOM_CACHE_TTL_SECONDS` (30), `CORS_ALLOWED_ORIGINS` (none), `WEBHOOK_ACCEPT_V1`
    /// (`false`), `STATE_TABLE_NAME` (required when the webhook is on: seen nonces live there;
    /// bans too). The secret's own variables are checked by
    /// [`WebhookSecretSource::from_config`]. Role names must be safe role names
    /// (`http_api::text`).
    pub fn from_source(
        source: &dyn ConfigSource,
        webhook_secret: Option<WebhookSecret>,
    ) -> Result<Self, ConfigError> {
        let config = ConfigReader::new(source);
        let moderator_roles: BTreeSet<String> =
            configured_roles(&config, "MODERATOR_ROLES", &["moderator"])?
                .into_iter()
                .collect();
        let admin_roles = function_startup::deployment::admin_roles(&config);
        http_api::check_role_names("ADMIN_ROLES", &admin_roles)?;
        let legacy_signatures = match config.optional("WEBHOOK_ACCEPT_V1").as_deref() {
            None | Some("false") => LegacySignatures::Refuse,
            Some("true") => LegacySignatures::Accept,
            Some(_) => {
                return Err(ConfigError::new(
                    "WEBHOOK_ACCEPT_V1",
                    "must be true or false",
                ));
            }
        };
        let state_table_name = StateTable::name_from_config(&config)?;
        if webhook_secret.is_some() && state_table_name.is_none() {
            return Err(ConfigError::new(
                TABLE_NAME_VARIABLE,
                "must be set when the webhook is on: seen webhook nonces are kept there",
            ));
        }
        Ok(Self {
            scope: RoomScope::from_config(&config)?,
            claims: ClaimNames::from_config(&config)?,
            moderator_roles,
            admin_roles: admin_roles.into_iter().collect(),
            events: EventNamePolicy::allow_only(
                "EVENT_NAME_ALLOW_LIST",
                config.list("EVENT_NAME_ALLOW_LIST"),
            )?,
            room_cache: RoomCacheSettings::from_config(&config)?,
            cors: CorsPolicy::from_config(&config)?,
            webhook_secret,
            legacy_signatures,
            state_table_name,
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
    fn a_webhook_without_a_state_table_fails_naming_the_table_variable() {
        let mut vars = env(&[("WEBHOOK_SECRET", "a-webhook-secret-of-at-least-32-bytes")]);
        vars.remove("STATE_TABLE_NAME");
        let error = read(&vars).expect_err("no table");
        assert_eq!(error.variable, "STATE_TABLE_NAME");
    }

    #[test]
    fn legacy_signatures_are_off_unless_explicitly_accepted() {
        let secret = ("WEBHOOK_SECRET", "a-webhook-secret-of-at-least-32-bytes");
        let table = ("STATE_TABLE_NAME", "stack-state");
        let default = read(&env(&[secret, table])).expect("valid");
        assert_eq!(default.legacy_signatures, LegacySignatures::Refuse);
        let accept = read(&env(&[secret, table, ("WEBHOOK_ACCEPT_V1", "true")])).expect("valid");
        assert_eq!(accept.legacy_signatures, LegacySignatures::Accept);
        let error =
            read(&env(&[secret, table, ("WEBHOOK_ACCEPT_V1", "yes")])).expect_err("not a bool");
        assert_eq!(error.variable, "WEBHOOK_ACCEPT_V1");
    }

    #[test]
    fn a_moderator_role_outside_the_safe_set_fails_naming_the_variable() {
        let error = read(&env(&[("MODERATOR_ROLES", "mods,night shift")])).expect_err("space");
        assert_eq!(error.variable, "MODERATOR_ROLES");
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
