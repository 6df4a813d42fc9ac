//! Configuration, read once at cold start. A bad value fails the cold start with one error
//! naming the variable and the rule.
//!
//! | Variable | Meaning |
//! |---|---|
//! | `TAG_POLICY_PATH` | optional; a tag policy file to use instead of the bundled one |
//! | `ADMIN_ROLES` | optional, `POST /tags` only; roles allowed to call it (default `admin`) |
//! | `AWS_REGION` | required (Lambda sets it) |

use http_api::{ConfigError, ConfigReader, ConfigSource};

use crate::policy::TagPolicy;

/// The policy bundled with the function, used when `TAG_POLICY_PATH` is not set.
pub const BUNDLED_POLICY: &str = include_str!("../tag_policy.toml");

/// Everything the tag manager needs, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagManagerConfig {
    /// The region (from `AWS_REGION`).
    pub region: String,
    /// Where the policy came from: `bundled` or the path.
    pub policy_source: String,
    /// The policy.
    pub policy: TagPolicy,
    /// Roles allowed to call `POST /tags`.
    pub admin_roles: Vec<String>,
}

impl TagManagerConfig {
    /// Reads the process environment (and the policy file it names).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&http_api::ProcessEnv)
    }

    /// Reads `source`.
    pub fn from_source(source: &dyn ConfigSource) -> Result<Self, ConfigError> {
        let reader = ConfigReader::new(source);
        let region = reader.aws_region()?;
        let (policy_source, text) = match reader.optional("TAG_POLICY_PATH") {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    ConfigError::new("TAG_POLICY_PATH", format!("cannot read `{path}`: {e}"))
                })?;
                (path, text)
            }
            None => ("bundled".to_owned(), BUNDLED_POLICY.to_owned()),
        };
        let policy = TagPolicy::parse(&text).map_err(|e| {
            let variable = if policy_source == "bundled" {
                "bundled tag policy"
            } else {
                "TAG_POLICY_PATH"
            };
            ConfigError::new(variable, e.to_string())
        })?;
        Ok(Self {
            region,
            policy_source,
            policy,
            admin_roles: room_provisioner::config::admin_roles(&reader),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn bundled_policy_is_valid_and_used_by_default() {
        let env: BTreeMap<&str, &str> = BTreeMap::from([("AWS_REGION", "eu-west-1")]);
        let config = TagManagerConfig::from_source(&env).expect("valid");
        assert_eq!(config.policy_source, "bundled");
        assert!(config.policy.tags.contains_key("owner"));
    }

    #[test]
    fn unreadable_policy_path_fails_naming_the_variable() {
        let env: BTreeMap<&str, &str> = BTreeMap::from([
            ("AWS_REGION", "eu-west-1"),
            ("TAG_POLICY_PATH", "/nonexistent/policy.toml"),
        ]);
        let error = TagManagerConfig::from_source(&env).expect_err("missing");
        assert_eq!(error.variable, "TAG_POLICY_PATH");
    }
}
