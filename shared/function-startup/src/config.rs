//! Reading configuration once, at cold start, into typed values.
//!
//! A function reads every variable through a [`ConfigReader`] and stops at the first bad one
//! with a [`ConfigError`] naming the variable and the rule, so a broken deployment fails its
//! cold start with one clear line instead of failing requests later. Tests pass a map instead
//! of the process environment.

use std::collections::{BTreeMap, HashMap};

use ivschat_api::Violation;

/// A bad configuration value: which variable, and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration {variable}: {rule}")]
pub struct ConfigError {
    /// The environment variable.
    pub variable: String,
    /// The rule, completing "VARIABLE: …".
    pub rule: String,
}

impl ConfigError {
    /// `variable` broke `rule`.
    pub fn new(variable: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            variable: variable.into(),
            rule: rule.into(),
        }
    }
}

impl From<Violation> for ConfigError {
    /// A violation whose field is the variable name.
    fn from(violation: Violation) -> Self {
        Self::new(violation.field, violation.rule)
    }
}

/// Where configuration values come from.
pub trait ConfigSource {
    /// The raw value of `name`, if set.
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment (what Lambda sets from the function's configuration).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl ConfigSource for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl<S: std::hash::BuildHasher> ConfigSource for HashMap<String, String, S> {
    fn get(&self, name: &str) -> Option<String> {
        HashMap::get(self, name).cloned()
    }
}

impl ConfigSource for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        BTreeMap::get(self, name).cloned()
    }
}

impl ConfigSource for BTreeMap<&str, &str> {
    fn get(&self, name: &str) -> Option<String> {
        BTreeMap::get(self, name).map(|v| (*v).to_owned())
    }
}

/// Typed access to a [`ConfigSource`]. Values are trimmed; a blank value counts as unset.
#[derive(Clone, Copy)]
pub struct ConfigReader<'a> {
    source: &'a dyn ConfigSource,
}

impl<'a> ConfigReader<'a> {
    /// A reader over `source`.
    pub fn new(source: &'a dyn ConfigSource) -> Self {
        Self { source }
    }

    /// The value of `name`, trimmed, if set and not blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        self.source
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The value of `name`; fails with "must be set" when unset or blank.
    pub fn required(&self, name: &str) -> Result<String, ConfigError> {
        self.optional(name)
            .ok_or_else(|| ConfigError::new(name, "must be set"))
    }

    /// A whole number in `min..=max`, or `default` when unset.
    pub fn integer_in_range(
        &self,
        name: &str,
        default: i64,
        min: i64,
        max: i64,
    ) -> Result<i64, ConfigError> {
        let Some(text) = self.optional(name) else {
            return Ok(default);
        };
        match text.parse::<i64>() {
            Ok(value) if (min..=max).contains(&value) => Ok(value),
            _ => Err(ConfigError::new(
                name,
                format!("must be a whole number between {min} and {max} (got `{text}`)"),
            )),
        }
    }

    /// A comma-separated list; items trimmed, empty items dropped; empty when unset.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.optional(name)
            .map(|text| {
                text.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The AWS region from `AWS_REGION` (Lambda always sets it): lowercase letters, digits and
    /// dashes.
    pub fn aws_region(&self) -> Result<String, ConfigError> {
        let region = self.required("AWS_REGION")?;
        let well_formed = region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !well_formed {
            return Err(ConfigError::new(
                "AWS_REGION",
                "must be a region name like eu-west-1",
            ));
        }
        Ok(region)
    }

    /// The 12-digit AWS account id from `AWS_ACCOUNT_ID`.
    pub fn aws_account_id(&self) -> Result<String, ConfigError> {
        let account = self.required("AWS_ACCOUNT_ID")?;
        if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
            return Err(ConfigError::new(
                "AWS_ACCOUNT_ID",
                "must be exactly 12 digits",
            ));
        }
        Ok(account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_variable_missing_names_it() {
        let env: BTreeMap<&str, &str> = BTreeMap::from([("OTHER", "1")]);
        let error = ConfigReader::new(&env)
            .required("DEPLOYMENT_NAME")
            .expect_err("unset");
        assert_eq!(
            error.to_string(),
            "configuration DEPLOYMENT_NAME: must be set"
        );
    }

    #[test]
    fn integer_out_of_range_names_rule_and_value() {
        let env: BTreeMap<&str, &str> = BTreeMap::from([("MAX", "181"), ("BLANK", " ")]);
        let reader = ConfigReader::new(&env);
        let error = reader
            .integer_in_range("MAX", 60, 1, 180)
            .expect_err("too big");
        assert_eq!(error.variable, "MAX");
        assert_eq!(
            error.rule,
            "must be a whole number between 1 and 180 (got `181`)"
        );
        assert_eq!(reader.integer_in_range("BLANK", 60, 1, 180), Ok(60));
    }

    #[test]
    fn account_id_must_be_twelve_digits() {
        let env: BTreeMap<&str, &str> = BTreeMap::from([("AWS_ACCOUNT_ID", "12345")]);
        assert_eq!(
            ConfigReader::new(&env)
                .aws_account_id()
                .expect_err("short")
                .rule,
            "must be exactly 12 digits"
        );
    }

    #[test]
    fn list_splits_on_commas_and_drops_blanks() {
        let env: BTreeMap<&str, &str> = BTreeMap::from([("L", " a, ,b ,")]);
        assert_eq!(ConfigReader::new(&env).list("L"), ["a", "b"]);
    }
}
