//! Configuration, read once at cold start into typed values. A bad value fails the cold start
//! with one error naming the variable and the rule.
//!
//! | Variable | Meaning |
//! |---|---|
//! | `DEPLOYMENT_NAME` | required; names this deployment in the managed tags (1–128 of `[a-zA-Z0-9-_]`) |
//! | `ROOMS_SPEC_PATH` | optional; a rooms spec file to use instead of the bundled one |
//! | `REVIEW_HANDLER_ARN` | optional; the review handler rooms get unless their spec names another |
//! | `ADMIN_ROLES` | optional, `POST /provision` only; roles allowed to call it (default `admin`) |
//! | `AWS_REGION` | required (Lambda sets it) |

use http_api::{ConfigError, ConfigReader, ConfigSource};
use ivschat_api::validate;

use crate::spec::{DesiredState, RoomsSpec, SpecDefaults};

/// The spec bundled with the function, used when `ROOMS_SPEC_PATH` is not set.
pub const BUNDLED_SPEC: &str = include_str!("../rooms.toml");
/// The role required by the admin routes when `ADMIN_ROLES` is not set.
pub const DEFAULT_ADMIN_ROLE: &str = "admin";

/// The deployment name from `DEPLOYMENT_NAME`: 1–128 letters, digits, `-` or `_`.
pub fn deployment_name(reader: &ConfigReader<'_>) -> Result<String, ConfigError> {
    let name = reader.required("DEPLOYMENT_NAME")?;
    validate::resource_name("DEPLOYMENT_NAME", &name)?;
    Ok(name)
}

/// The default review handler from `REVIEW_HANDLER_ARN`, if set: a Lambda function ARN.
pub fn review_handler_arn(reader: &ConfigReader<'_>) -> Result<Option<String>, ConfigError> {
    let Some(arn) = reader.optional("REVIEW_HANDLER_ARN") else {
        return Ok(None);
    };
    validate::message_review_handler_uri("REVIEW_HANDLER_ARN", &arn)?;
    Ok(Some(arn))
}

/// The roles allowed on admin routes, from `ADMIN_ROLES` (comma-separated; default `admin`).
pub fn admin_roles(reader: &ConfigReader<'_>) -> Vec<String> {
    let roles = reader.list("ADMIN_ROLES");
    if roles.is_empty() {
        vec![DEFAULT_ADMIN_ROLE.to_owned()]
    } else {
        roles
    }
}

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
    /// Roles allowed to call `POST /provision`.
    pub admin_roles: Vec<String>,
}

impl ProvisionerConfig {
    /// Reads the process environment (and the spec file it names).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&http_api::ProcessEnv)
    }

    /// Reads `source`; the spec comes from `ROOMS_SPEC_PATH` or the bundled default.
    pub fn from_source(source: &dyn ConfigSource) -> Result<Self, ConfigError> {
        let reader = ConfigReader::new(source);
        let deployment = deployment_name(&reader)?;
        let region = reader.aws_region()?;
        let defaults = SpecDefaults {
            review_handler_uri: review_handler_arn(&reader)?,
        };
        let (spec_source, text) = match reader.optional("ROOMS_SPEC_PATH") {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    ConfigError::new("ROOMS_SPEC_PATH", format!("cannot read `{path}`: {e}"))
                })?;
                (path, text)
            }
            None => ("bundled".to_owned(), BUNDLED_SPEC.to_owned()),
        };
        let desired = RoomsSpec::parse(&text)
            .and_then(|spec| spec.resolve(&defaults))
            .map_err(|e| {
                let variable = if spec_source == "bundled" {
                    "bundled rooms spec"
                } else {
                    "ROOMS_SPEC_PATH"
                };
                ConfigError::new(variable, e.to_string())
            })?;
        Ok(Self {
            deployment,
            region,
            spec_source,
            desired,
            admin_roles: admin_roles(&reader),
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
        assert_eq!(config.admin_roles, ["admin"]);
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
