//! [`TokenApiConfig`]: everything the token API reads at cold start.

use function_startup::{ConfigError, ConfigReader, ConfigSource, ProcessEnv};
use http_api::{ClaimNames, CorsPolicy, RoomCacheSettings, RoomScope};
use ivschat_api::validate::MAX_SESSION_DURATION_MINUTES;

use crate::roles::RoleCapabilities;

/// Session length when the body does not ask for one (IVS Chat's own default), capped at the
/// configured maximum.
pub const DEFAULT_SESSION_MINUTES: i64 = 60;

/// The token API's configuration, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenApiConfig {
    /// Region, account and deployment name of the rooms served.
    pub scope: RoomScope,
    /// Which claims hold user id, roles and display name.
    pub claims: ClaimNames,
    /// Role → capabilities.
    pub roles: RoleCapabilities,
    /// Longest session a token may open, in minutes (1–180).
    pub max_session_minutes: i64,
    /// Room lookup cache.
    pub room_cache: RoomCacheSettings,
    /// Browser origins allowed to call.
    pub cors: CorsPolicy,
    /// The state table holding bans (`STATE_TABLE_NAME`); `None` (local runs without
    /// DynamoDB) checks no bans.
    pub state_table_name: Option<String>,
}

impl std::fmt::Display for TokenApiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "deployment {}, sessions up to {} min",
            self.scope.deployment, self.max_session_minutes
        )
    }
}

impl TokenApiConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&ProcessEnv)
    }

    /// Reads `source`: `DEPLOYMENT_NAME`, `AWS_REGION`, `AWS_ACCOUNT_ID` (required);
    /// `USER_ID_CLAIM` (default `sub`), `ROLES_CLAIM` (`cognito:groups`), `DISPLAY_NAME_CLAIM`
    /// (none), `ROLE_CAPABILITIES` (viewer/chatter/moderator), `MAX_SESSION_MINUTES` (60,
    /// 1–180), `ROOM_CACHE_TTL_SECONDS` (30, 0–3600), `CORS_ALLOWED_ORIGINS` (none),
    /// `STATE_TABLE_NAME` (none: no ban checks; the template always sets it).
    pub fn from_source(source: &dyn ConfigSource) -> Result<Self, ConfigError> {
        let config = ConfigReader::new(source);
        let roles = match config.optional("ROLE_CAPABILITIES") {
            Some(text) => RoleCapabilities::parse("ROLE_CAPABILITIES", &text)?,
            None => RoleCapabilities::default(),
        };
        Ok(Self {
            scope: RoomScope::from_config(&config)?,
            claims: ClaimNames::from_config(&config)?,
            roles,
            max_session_minutes: config.integer_in_range(
                "MAX_SESSION_MINUTES",
                DEFAULT_SESSION_MINUTES,
                1,
                MAX_SESSION_DURATION_MINUTES,
            )?,
            room_cache: RoomCacheSettings::from_config(&config)?,
            cors: CorsPolicy::from_config(&config)?,
            state_table_name: toolkit_state::StateTable::name_from_config(&config)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    use toolkit_test_support::http_function_env as env;

    #[test]
    fn minimal_environment_gives_the_documented_defaults() {
        let config = TokenApiConfig::from_source(&env(&[])).expect("valid");
        assert_eq!(config.claims, ClaimNames::default());
        assert_eq!(config.roles, RoleCapabilities::default());
        assert_eq!(config.max_session_minutes, 60);
        assert_eq!(config.room_cache.ttl, Duration::from_secs(30));
        assert_eq!(config.cors, CorsPolicy::Disabled);
    }

    #[test]
    fn missing_deployment_name_fails_naming_it() {
        let mut vars = env(&[]);
        vars.remove("DEPLOYMENT_NAME");
        let error = TokenApiConfig::from_source(&vars).expect_err("required");
        assert_eq!(error.variable, "DEPLOYMENT_NAME");
    }

    #[test]
    fn session_maximum_beyond_180_minutes_fails() {
        let error = TokenApiConfig::from_source(&env(&[("MAX_SESSION_MINUTES", "240")]))
            .expect_err("too long");
        assert_eq!(error.variable, "MAX_SESSION_MINUTES");
        assert!(error.rule.contains("between 1 and 180"));
    }

    #[test]
    fn unknown_capability_in_role_map_fails_naming_the_variable() {
        let error = TokenApiConfig::from_source(&env(&[("ROLE_CAPABILITIES", "mod=BAN_USER")]))
            .expect_err("unknown capability");
        assert_eq!(error.variable, "ROLE_CAPABILITIES");
        assert!(error.rule.contains("BAN_USER"));
    }

    #[test]
    fn malformed_cors_origin_fails_naming_the_variable() {
        let error = TokenApiConfig::from_source(&env(&[("CORS_ALLOWED_ORIGINS", "example.com")]))
            .expect_err("no scheme");
        assert_eq!(error.variable, "CORS_ALLOWED_ORIGINS");
    }
}
