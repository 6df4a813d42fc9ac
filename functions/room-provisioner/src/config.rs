//! Configuration, read once at cold start into typed values. A bad value fails the cold start
//! with one error naming the variable and the rule.
//!
//! | Variable | Meaning |
//! |---|---|
//! | `DEPLOYMENT_NAME` | required; names this deployment in the managed tags (1–128 of `[a-zA-Z0-9-_]`) |
//! | `ROOMS_SPEC_PATH` | optional; a rooms spec file to use instead of the bundled one |
//! | `REVIEW_HANDLER_ARN` | optional; the review handler rooms get unless their spec names another |
//! | `ADMIN_ROLES` | optional, `POST /provision` only; roles allowed to call it (default `admin`) |
//! | `USER_ID_CLAIM`, `ROLES_CLAIM` | optional, `POST /provision` only; the JWT claims holding the caller's id (default `sub`) and roles (default `cognito:groups`) |
//! | `AWS_REGION` | required (Lambda sets it) |

use function_startup::deployment::{deployment_name, review_handler_arn};
use function_startup::{BundledDocument, ConfigError, ConfigReader, ConfigSource, ProcessEnv};
use http_api::AdminAccess;

use crate::spec::{DesiredState, RoomsSpec, SpecDefaults};

/// The spec bundled with the function, used when `ROOMS_SPEC_PATH` is not set.
pub const BUNDLED_SPEC: &str = include_str!("../rooms.toml");

/// The rooms spec: the file `ROOMS_SPEC_PATH` names, else [`BUNDLED_SPEC`].
pub const ROOMS_SPEC: BundledDocument = BundledDocument {
    variable: "ROOMS_SPEC_PATH",
    bundled_name: "bundled rooms spec",
    bundled_text: BUNDLED_SPEC,
};

/// Everything the provisioner needs, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionerConfig {
    /// This deployment's name.
    pub deployment: String,
    /// The region (from `AWS_REGION`).
    pub region: String,
    /// Where the spec came from: `bundled` or the path.
    pub spec_source: String,
    /// What the spec asks for, defaults applied.
    pub desired: DesiredState,
    /// Who may call `POST /provision`.
    pub admin: AdminAccess,
}

impl std::fmt::Display for ProvisionerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "deployment {} in {}, spec {} ({} rooms, {} logging configurations)",
            self.deployment,
            self.region,
            self.spec_source,
            self.desired.rooms.len(),
            self.desired.logging_configurations.len()
        )
    }
}

impl ProvisionerConfig {
    /// Reads the process environment (and the spec file it names).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&ProcessEnv)
    }

    /// Reads `source`; the spec comes from `ROOMS_SPEC_PATH` or the bundled default.
    pub fn from_source(source: &dyn ConfigSource) -> Result<Self, ConfigError> {
        let reader = ConfigReader::new(source);
        let deployment = deployment_name(&reader)?;
        let region = reader.aws_region()?;
        let defaults = SpecDefaults {
            review_handler_uri: review_handler_arn(&reader)?,
        };
        let spec = ROOMS_SPEC.load(&reader, |text| {
            RoomsSpec::parse(text).and_then(|spec| spec.resolve(&defaults))
        })?;
        Ok(Self {
            deployment,
            region,
            spec_source: spec.source,
            desired: spec.value,
            admin: AdminAccess::from_config(&reader)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn env(pairs: &[(&'static str, &'static str)]) -> BTreeMap<&'static str, &'static str> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn bundled_spec_is_valid_and_used_by_default() {
        // GIVEN only the required variables
        let source = env(&[("DEPLOYMENT_NAME", "prod"), ("AWS_REGION", "eu-west-1")]);
        // WHEN the configuration is read
        let config = ProvisionerConfig::from_source(&source).expect("valid");
        // THEN the bundled spec is used and the admin role defaults
        assert_eq!(config.spec_source, "bundled");
        assert!(!config.desired.rooms.is_empty());
        assert_eq!(config.admin.roles, ["admin"]);
    }

    #[test]
    fn missing_deployment_name_fails_naming_the_variable() {
        let error = ProvisionerConfig::from_source(&env(&[("AWS_REGION", "eu-west-1")]))
            .expect_err("unset");
        assert_eq!(error.variable, "DEPLOYMENT_NAME");
        assert_eq!(error.rule, "must be set");
    }

    #[test]
    fn malformed_review_handler_arn_fails_naming_the_variable() {
        let error = ProvisionerConfig::from_source(&env(&[
            ("DEPLOYMENT_NAME", "prod"),
            ("AWS_REGION", "eu-west-1"),
            ("REVIEW_HANDLER_ARN", "my-function"),
        ]))
        .expect_err("not an ARN");
        assert_eq!(error.variable, "REVIEW_HANDLER_ARN");
    }

    #[test]
    fn unreadable_spec_path_fails_naming_the_variable() {
        let error = ProvisionerConfig::from_source(&env(&[
            ("DEPLOYMENT_NAME", "prod"),
            ("AWS_REGION", "eu-west-1"),
            ("ROOMS_SPEC_PATH", "/nonexistent/rooms.toml"),
        ]))
        .expect_err("missing file");
        assert_eq!(error.variable, "ROOMS_SPEC_PATH");
        assert!(error.rule.contains("cannot read"));
    }
}
