//! Settings that several functions read the same way: which deployment they serve, the review
//! handler new rooms get, and which roles count as admin.
//!
//! | Variable | Meaning |
//! |---|---|
//! | `DEPLOYMENT_NAME` | names this deployment in the managed tags (1–128 of `[a-zA-Z0-9-_]`) |
//! | `REVIEW_HANDLER_ARN` | optional; the review handler rooms get unless told otherwise |
//! | `ADMIN_ROLES` | optional; roles allowed on admin routes, comma-separated (default `admin`) |

use ivschat_api::validate;

use crate::config::{ConfigError, ConfigReader};

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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn admin_roles_default_to_admin() {
        let env: BTreeMap<&str, &str> = BTreeMap::new();
        assert_eq!(admin_roles(&ConfigReader::new(&env)), ["admin"]);
        let env: BTreeMap<&str, &str> = BTreeMap::from([("ADMIN_ROLES", "ops, owner")]);
        assert_eq!(admin_roles(&ConfigReader::new(&env)), ["ops", "owner"]);
    }

    #[test]
    fn a_deployment_name_with_a_slash_fails_naming_the_variable() {
        let env: BTreeMap<&str, &str> = BTreeMap::from([("DEPLOYMENT_NAME", "a/b")]);
        let error = deployment_name(&ConfigReader::new(&env)).expect_err("bad");
        assert_eq!(error.variable, "DEPLOYMENT_NAME");
    }
}
