//! Emulator configuration, checked as a whole before anything starts.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::faults::{FaultRule, FaultSpecError};
use crate::store::Quotas;

/// Default Region.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Default account id.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";
/// Default access key id accepted in strict mode.
pub const DEFAULT_ACCESS_KEY_ID: &str = "test";
/// Default secret access key accepted in strict mode.
pub const DEFAULT_SECRET_ACCESS_KEY: &str = "test";

/// Everything the emulator can be told.
#[derive(Debug, Clone, PartialEq)]
pub struct EmulatorConfig {
    /// Address to listen on; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Region in every ARN (and, in strict mode, the signing Region).
    pub region: String,
    /// Account id in every ARN.
    pub account_id: String,
    /// Room and logging-configuration quotas.
    pub quotas: Quotas,
    /// Verify SigV4 signatures against `credentials`.
    pub strict_auth: bool,
    /// Access key id → secret, used in strict mode.
    pub credentials: BTreeMap<String, String>,
    /// Faults active from the start.
    pub faults: Vec<FaultRule>,
    /// Seed of the RNG probabilistic faults draw from.
    pub fault_seed: u64,
    /// File to load state from and save it to after every change.
    pub state_file: Option<PathBuf>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            region: DEFAULT_REGION.to_owned(),
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            quotas: Quotas::default(),
            strict_auth: false,
            credentials: BTreeMap::from([(
                DEFAULT_ACCESS_KEY_ID.to_owned(),
                DEFAULT_SECRET_ACCESS_KEY.to_owned(),
            )]),
            faults: Vec::new(),
            fault_seed: 0,
            state_file: None,
        }
    }
}

/// A configuration value that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The Region would not fit the service's ARN pattern.
    #[error("region `{0}` must be lower-case letters, digits and '-' (e.g. us-east-1)")]
    Region(String),
    /// The account id is not 12 digits.
    #[error("account id `{0}` must be exactly 12 digits")]
    AccountId(String),
    /// Strict auth without any credentials, or an empty key or secret.
    #[error("credentials: {0}")]
    Credentials(String),
    /// A fault rule is invalid.
    #[error(transparent)]
    Fault(#[from] FaultSpecError),
}

impl ConfigError {
    /// The command-line flag that sets the offending value.
    pub fn flag(&self) -> &'static str {
        match self {
            Self::Region(_) => "--region",
            Self::AccountId(_) => "--account-id",
            Self::Credentials(_) => "--credentials",
            Self::Fault(_) => "--fault",
        }
    }
}

impl EmulatorConfig {
    /// Checks every value, naming the first that cannot work.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let region_ok = !self.region.is_empty()
            && self
                .region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !region_ok {
            return Err(ConfigError::Region(self.region.clone()));
        }
        if self.account_id.len() != 12 || !self.account_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(ConfigError::AccountId(self.account_id.clone()));
        }
        if self.strict_auth && self.credentials.is_empty() {
            return Err(ConfigError::Credentials(
                "strict auth needs at least one access key".into(),
            ));
        }
        if self
            .credentials
            .iter()
            .any(|(key, secret)| key.is_empty() || secret.is_empty())
        {
            return Err(ConfigError::Credentials(
                "access key ids and secrets must not be empty".into(),
            ));
        }
        for rule in &self.faults {
            rule.validate()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_defaults_and_names_bad_values() {
        // GIVEN the defaults and variants with one bad value each
        let good = EmulatorConfig::default();
        let bad_region = EmulatorConfig {
            region: "US_EAST".into(),
            ..EmulatorConfig::default()
        };
        let bad_account = EmulatorConfig {
            account_id: "42".into(),
            ..EmulatorConfig::default()
        };
        // WHEN validated THEN only the bad ones fail, naming their value
        assert_eq!(good.validate(), Ok(()));
        assert_eq!(
            bad_region.validate(),
            Err(ConfigError::Region("US_EAST".into()))
        );
        assert_eq!(
            bad_account.validate(),
            Err(ConfigError::AccountId("42".into()))
        );
    }
}
