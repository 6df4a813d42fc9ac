//! Emulator configuration, checked as a whole before anything starts.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::faults::{FaultRule, FaultSpecError};
use crate::review::RIE_INVOKE_PATH;
use crate::store::Quotas;

/// Default Region.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Default account id.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";
/// Default access key id accepted in strict mode.
pub const DEFAULT_ACCESS_KEY_ID: &str = "test";
/// Default secret access key accepted in strict mode.
pub const DEFAULT_SECRET_ACCESS_KEY: &str = "test";

/// Default cap on open WebSocket connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Default largest WebSocket frame, in bytes (a 500-code-point message with 1 KB of attributes
/// is at most about 3 KB).
pub const DEFAULT_MAX_FRAME_BYTES: usize = 64 * 1024;
/// Default number of frames queued for one client before it is cut off as too slow.
pub const DEFAULT_CLIENT_QUEUE_FRAMES: usize = 4096;

/// One instance of a review handler: a Lambda Invoke API endpoint, such as one Runtime Interface
/// Emulator process, that serves one invocation at a time. Several endpoints for the same
/// function make a pool: each review goes to an idle one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewEndpoint {
    /// A Lambda function ARN, or `*` for every function.
    pub function: String,
    /// `http://HOST:PORT` (the emulator appends [`RIE_INVOKE_PATH`], the one path the Runtime
    /// Interface Emulator serves), or a full URL ending in `/invocations`, used as it is (for
    /// `cargo lambda watch`, `…/2015-03-31/functions/BINARY/invocations`).
    pub url: String,
}

impl ReviewEndpoint {
    /// Parses `FUNCTION=URL[,URL...]`, FUNCTION being a Lambda function ARN or `*`: one endpoint
    /// per URL, all for that function.
    pub fn parse_all(spec: &str) -> Result<Vec<Self>, ConfigError> {
        let bad = |rule: &str| ConfigError::ReviewEndpoint(format!("`{spec}`: {rule}"));
        let (function, urls) = spec.split_once('=').ok_or_else(|| {
            bad("expected FUNCTION=URL[,URL...], FUNCTION a Lambda function ARN or *")
        })?;
        let mut endpoints = Vec::new();
        for (position, url) in urls.split(',').enumerate() {
            if url.trim().is_empty() {
                return Err(bad(&format!(
                    "URL {} of the list is empty (separate URLs with single commas)",
                    position + 1
                )));
            }
            let endpoint = Self {
                function: function.trim().to_owned(),
                url: url.trim().to_owned(),
            };
            endpoint.validate()?;
            endpoints.push(endpoint);
        }
        Ok(endpoints)
    }

    /// Checks the function and the URL.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let spec = format!("{}={}", self.function, self.url);
        let bad = |rule: &str| ConfigError::ReviewEndpoint(format!("`{spec}`: {rule}"));
        if self.function != "*" && !self.function.starts_with("arn:aws:lambda:") {
            return Err(bad(
                "FUNCTION must be * or a Lambda function ARN (arn:aws:lambda:…)",
            ));
        }
        let host = self
            .url
            .strip_prefix("http://")
            .or_else(|| self.url.strip_prefix("https://"))
            .ok_or_else(|| bad("URL must start with http:// or https://"))?;
        if host.is_empty() || host.starts_with('/') {
            return Err(bad("URL must name a host, as in http://127.0.0.1:9000"));
        }
        if self.url.contains(',') {
            return Err(bad(
                "URL must not contain a comma (list several URLs as FUNCTION=URL,URL)",
            ));
        }
        Ok(())
    }

    /// The URL the emulator posts each review to: [`url`](Self::url) itself when it ends in
    /// `/invocations`, else `url` followed by [`RIE_INVOKE_PATH`].
    pub fn invoke_url(&self) -> String {
        let url = self.url.trim_end_matches('/');
        if url.ends_with("/invocations") {
            url.to_owned()
        } else {
            format!("{url}{RIE_INVOKE_PATH}")
        }
    }
}

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
    /// Address of the messaging (WebSocket) endpoint; `None` = the control plane's IP, any port.
    pub messaging_bind: Option<SocketAddr>,
    /// Where review handlers are invoked: each entry one instance; the entries of one function
    /// form its pool.
    pub review_endpoints: Vec<ReviewEndpoint>,
    /// Directory chat logs are written under; `None` writes none.
    pub log_dir: Option<PathBuf>,
    /// Most open WebSocket connections.
    pub max_connections: usize,
    /// Largest WebSocket frame accepted, in bytes.
    pub max_frame_bytes: usize,
    /// Frames queued for one client before it is cut off as too slow.
    pub client_queue_frames: usize,
    /// Enforce rooms' maximumMessageRatePerSecond (turn off only to benchmark).
    pub enforce_message_rate: bool,
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
            messaging_bind: None,
            review_endpoints: Vec::new(),
            log_dir: None,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            client_queue_frames: DEFAULT_CLIENT_QUEUE_FRAMES,
            enforce_message_rate: true,
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
    /// A review endpoint mapping is invalid.
    #[error("review endpoint {0}")]
    ReviewEndpoint(String),
    /// A messaging limit is zero.
    #[error("{0} must be at least 1")]
    Limit(&'static str),
}

impl ConfigError {
    /// The command-line flag that sets the offending value.
    pub fn flag(&self) -> &'static str {
        match self {
            Self::Region(_) => "--region",
            Self::AccountId(_) => "--account-id",
            Self::Credentials(_) => "--credentials",
            Self::Fault(_) => "--fault",
            Self::ReviewEndpoint(_) => "--review-endpoint",
            Self::Limit(flag) => flag,
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
        let mut instances: BTreeMap<String, &ReviewEndpoint> = BTreeMap::new();
        for endpoint in &self.review_endpoints {
            endpoint.validate()?;
            if let Some(first) = instances.insert(endpoint.invoke_url(), endpoint) {
                return Err(ConfigError::ReviewEndpoint(format!(
                    "`{}` is given twice (for {} and for {}): each URL is one instance, which \
                     serves one invocation at a time, so it may belong to one function's pool \
                     only, once",
                    endpoint.invoke_url(),
                    first.function,
                    endpoint.function
                )));
            }
        }
        if self.max_connections == 0 {
            return Err(ConfigError::Limit("--max-connections"));
        }
        if self.max_frame_bytes == 0 {
            return Err(ConfigError::Limit("--max-frame-bytes"));
        }
        if self.client_queue_frames == 0 {
            return Err(ConfigError::Limit("--client-queue-frames"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:review-handler";

    #[test]
    fn a_bare_host_and_port_is_invoked_on_the_runtime_interface_emulators_path() {
        // GIVEN a bare URL (with and without a trailing slash) and a full invoke URL
        let endpoint = |url: &str| ReviewEndpoint {
            function: ARN.to_owned(),
            url: url.to_owned(),
        };
        // WHEN the invoke URL is built THEN a bare one gets the RIE's one path, whatever the ARN
        // names, and a full one is kept as given
        assert_eq!(
            endpoint("http://127.0.0.1:9000/").invoke_url(),
            "http://127.0.0.1:9000/2015-03-31/functions/function/invocations"
        );
        assert_eq!(
            endpoint("http://127.0.0.1:9000").invoke_url(),
            format!("http://127.0.0.1:9000{RIE_INVOKE_PATH}")
        );
        let full = "http://127.0.0.1:9000/2015-03-31/functions/review-handler/invocations";
        assert_eq!(endpoint(full).invoke_url(), full);
    }

    #[test]
    fn a_comma_separated_list_is_one_endpoint_per_url_for_the_same_function() {
        // GIVEN a function with three URLs WHEN parsed THEN there are three instances of it
        let endpoints = ReviewEndpoint::parse_all(&format!(
            "{ARN}=http://127.0.0.1:9100, http://127.0.0.1:9102,http://127.0.0.1:9104"
        ))
        .expect("valid");
        assert_eq!(endpoints.len(), 3);
        assert!(endpoints.iter().all(|endpoint| endpoint.function == ARN));
        assert_eq!(endpoints[1].url, "http://127.0.0.1:9102");
        // AND an empty entry or a URL without a host is refused, naming the rule
        let error = |spec: &str| match ReviewEndpoint::parse_all(spec) {
            Err(error) => error.to_string(),
            Ok(endpoints) => panic!("expected an error for {spec}, got {endpoints:?}"),
        };
        assert!(
            error("*=http://127.0.0.1:1,,http://127.0.0.1:2")
                .contains("URL 2 of the list is empty")
        );
        assert!(error("*=http://").contains("must name a host"));
    }

    #[test]
    fn one_url_in_two_pools_is_refused() {
        // GIVEN the same instance for the wildcard and for an exact ARN (two spellings of it)
        let config = EmulatorConfig {
            review_endpoints: vec![
                ReviewEndpoint {
                    function: "*".to_owned(),
                    url: "http://127.0.0.1:9100".to_owned(),
                },
                ReviewEndpoint {
                    function: ARN.to_owned(),
                    url: format!("http://127.0.0.1:9100{RIE_INVOKE_PATH}"),
                },
            ],
            ..EmulatorConfig::default()
        };
        // WHEN validated THEN it is refused: two callers could overlap on that one instance
        let error = config.validate().expect_err("refused").to_string();
        assert!(error.contains("given twice"), "{error}");
        assert!(error.contains("one invocation at a time"), "{error}");
    }

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
