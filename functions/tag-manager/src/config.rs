//! Configuration, read once at cold start. A bad value fails the cold start with one error
//! naming the variable and the rule.
//!
//! | Variable | Meaning |
//! |---|---|
//! | `TAG_POLICY_PATH` | optional; a tag policy file to use instead of the bundled one |
//! | `ADMIN_ROLES` | optional, `POST /tags` only; roles allowed to call it (default `admin`) |
//! | `USER_ID_CLAIM`, `ROLES_CLAIM` | optional, `POST /tags` only; the JWT claims holding the caller's id (default `sub`) and roles (default `cognito:groups`) |
//! | `AWS_REGION` | required (Lambda sets it) |

use function_startup::{BundledDocument, ConfigError, ConfigReader, ConfigSource, ProcessEnv};
use http_api::AdminAccess;

use crate::policy::TagPolicy;

/// The policy bundled with the function, used when `TAG_POLICY_PATH` is not set.
pub const BUNDLED_POLICY: &str = include_str!("../tag_policy.toml");

/// The tag policy: the file `TAG_POLICY_PATH` names, else [`BUNDLED_POLICY`].
pub const TAG_POLICY: BundledDocument = BundledDocument {
    variable: "TAG_POLICY_PATH",
    bundled_name: "bundled tag policy",
    bundled_text: BUNDLED_POLICY,
};

/// Everything the tag manager needs, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagManagerConfig {
    /// The region (from `AWS_REGION`).
    pub region: String,
    /// Where the policy came from: `bundled` or the path.
    pub policy_source: String,
    /// The policy.
    pub policy: TagPolicy,
    /// Who may call `POST /tags`.
    pub admin: AdminAccess,
}

impl std::fmt::Display for TagManagerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "region {}, tag policy {} ({} tags)",
            self.region,
            self.policy_source,
            self.policy.tags.len()
        )
    }
}

impl TagManagerConfig {
    /// Reads the process environment (and the policy file it names).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&ProcessEnv)
    }

    /// Reads `source`.
    pub fn from_source(source: &dyn ConfigSource) -> Result<Self, ConfigError> {
        let reader = ConfigReader::new(source);
        let region = reader.aws_region()?;
        let policy = TAG_POLICY.load(&reader, TagPolicy::parse)?;
        Ok(Self {
            region,
            policy_source: policy.source,
            policy: policy.value,
            admin: AdminAccess::from_config(&reader)?,
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
