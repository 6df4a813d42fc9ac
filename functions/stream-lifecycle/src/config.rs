//! Configuration, read once at cold start. A bad value fails the cold start with one error
//! naming the variable and the rule.
//!
//! | Variable | Meaning |
//! |---|---|
//! | `DEPLOYMENT_NAME` | required; the deployment whose managed rooms follow channels |
//! | `AWS_REGION` | required (Lambda sets it) |
//! | `REVIEW_HANDLER_ARN` | optional; review handler of the rooms this function creates |
//! | `ROOM_DELETE_AFTER_END_MINUTES` | optional (0–525600); the sweep deletes rooms whose stream ended this long ago; unset: never |
//! | `AWS_ACCOUNT_ID` | optional; when set, events from other accounts are ignored |

use std::time::Duration;

use function_startup::deployment::{deployment_name, review_handler_arn};
use function_startup::{ConfigError, ConfigReader, ConfigSource, ProcessEnv};

/// The longest configurable delay: a year, in minutes.
pub const MAX_DELETE_AFTER_END_MINUTES: i64 = 525_600;

/// Everything the stream lifecycle needs, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamLifecycleConfig {
    /// This deployment's name.
    pub deployment: String,
    /// The region (from `AWS_REGION`).
    pub region: String,
    /// The review handler of created rooms.
    pub review_handler_arn: Option<String>,
    /// How long after its stream ended a room is deleted; `None` keeps rooms.
    pub delete_after_end: Option<Duration>,
    /// Only events from this account are acted on, when set.
    pub account_id: Option<String>,
}

impl std::fmt::Display for StreamLifecycleConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "deployment {} in {}", self.deployment, self.region)?;
        match self.delete_after_end {
            Some(delay) => write!(
                f,
                ", rooms deleted {} min after their stream ends",
                delay.as_secs() / 60
            ),
            None => write!(f, ", rooms kept after their stream ends"),
        }
    }
}

impl StreamLifecycleConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&ProcessEnv)
    }

    /// Reads `source`.
    pub fn from_source(source: &dyn ConfigSource) -> Result<Self, ConfigError> {
        let reader = ConfigReader::new(source);
        let delete_after_end = match reader.optional("ROOM_DELETE_AFTER_END_MINUTES") {
            None => None,
            Some(_) => {
                let minutes = reader.integer_in_range(
                    "ROOM_DELETE_AFTER_END_MINUTES",
                    0,
                    0,
                    MAX_DELETE_AFTER_END_MINUTES,
                )?;
                Some(Duration::from_secs(minutes.unsigned_abs() * 60))
            }
        };
        let account_id = match reader.optional("AWS_ACCOUNT_ID") {
            None => None,
            Some(_) => Some(reader.aws_account_id()?),
        };
        Ok(Self {
            deployment: deployment_name(&reader)?,
            region: reader.aws_region()?,
            review_handler_arn: review_handler_arn(&reader)?,
            delete_after_end,
            account_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn read(pairs: &[(&'static str, &'static str)]) -> Result<StreamLifecycleConfig, ConfigError> {
        let mut env: BTreeMap<&str, &str> =
            BTreeMap::from([("DEPLOYMENT_NAME", "prod"), ("AWS_REGION", "eu-west-1")]);
        env.extend(pairs.iter().copied());
        StreamLifecycleConfig::from_source(&env)
    }

    #[test]
    fn delay_is_read_in_minutes_and_absent_means_never() {
        assert_eq!(read(&[]).expect("valid").delete_after_end, None);
        assert_eq!(
            read(&[("ROOM_DELETE_AFTER_END_MINUTES", "90")])
                .expect("valid")
                .delete_after_end,
            Some(Duration::from_secs(5400))
        );
    }

    #[test]
    fn negative_delay_fails_naming_the_variable_and_range() {
        let error = read(&[("ROOM_DELETE_AFTER_END_MINUTES", "-1")]).expect_err("negative");
        assert_eq!(error.variable, "ROOM_DELETE_AFTER_END_MINUTES");
        assert!(error.rule.contains("between 0 and 525600"));
    }

    #[test]
    fn malformed_account_id_fails_naming_the_variable() {
        let error = read(&[("AWS_ACCOUNT_ID", "12ab")]).expect_err("bad");
        assert_eq!(error.variable, "AWS_ACCOUNT_ID");
    }
}
