//! The toolkit's state in one DynamoDB table, shared by every function that needs state
//! across Lambda instances.
//!
//! The table (`StateTable` in `template.yaml`) has a string partition key [`PARTITION_KEY`]
//! (`pk`), a string sort key [`SORT_KEY`] (`sk`) and DynamoDB TTL on [`EXPIRES_AT`]
//! (`expiresAt`, unix seconds). Each kind of item owns a key prefix:
//!
//! | Item | `pk` | `sk` | `expiresAt` |
//! |---|---|---|---|
//! | seen webhook nonce ([`StateTable::claim_nonce`]) | `nonce#<scope>#<key>` | `nonce` | end of the signature window |
//! | room ban or timeout ([`bans`]) | `ban#room#<roomId>` | `user#<userId>` | end of a timeout; none for a ban |
//! | deployment-wide ban or timeout ([`bans`]) | `ban#deployment` | `user#<userId>` | end of a timeout; none for a ban |
//! | escalation strikes and steps ([`strikes`]) | `strike#room#<roomId>`, `offence#room#<roomId>` | `user#<userId>` | end of the window |
//!
//! TTL deletion is lazy (items may outlive `expiresAt` by up to a couple of days), so every
//! read and condition here treats an item whose `expiresAt` has passed as absent.

#![warn(missing_docs)]

pub mod bans;
pub mod strikes;

pub use bans::{
    ActiveBan, BanLookup, BanLookupFuture, BanPage, BanPrecondition, BanRecord, BanRemoval,
    BanScope, BanWrite, MAX_PAGE_SIZE, MAX_TIMEOUT_SECONDS, NewBan, NoBans,
};
pub use strikes::Counter;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use function_startup::{ConfigError, ConfigReader};

/// The partition key attribute (string).
pub const PARTITION_KEY: &str = "pk";
/// The sort key attribute (string).
pub const SORT_KEY: &str = "sk";
/// The TTL attribute: unix seconds after which the item is dead.
pub const EXPIRES_AT: &str = "expiresAt";
/// The setting naming the table.
pub const TABLE_NAME_VARIABLE: &str = "STATE_TABLE_NAME";
/// Longest scope or key accepted in a nonce item's partition key.
pub const MAX_KEY_CHARS: usize = 512;

/// Unix seconds of `at` (0 for a time before 1970): the unit of every time the table holds.
pub fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Why the state table could not answer. Never carries item values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// DynamoDB throttled the call.
    #[error("state table {operation} was throttled: {code}")]
    Throttled {
        /// The operation, e.g. `PutItem`.
        operation: &'static str,
        /// The error code.
        code: String,
    },
    /// The call failed otherwise (access denied, no such table, network).
    #[error("state table {operation} failed: {detail}")]
    Unavailable {
        /// The operation, e.g. `PutItem`.
        operation: &'static str,
        /// The error code and message, for logs.
        detail: String,
    },
    /// A scope or key is empty, too long or holds `#`.
    #[error("state key {0}: must be 1 to {MAX_KEY_CHARS} characters without '#'")]
    InvalidKey(&'static str),
    /// A value broke a rule before anything was sent (a user id too long, a timeout that has
    /// already ended, a page size out of range).
    #[error("{field}: {rule}")]
    Invalid {
        /// The value at fault.
        field: &'static str,
        /// The rule it broke.
        rule: &'static str,
    },
}

/// What claiming a nonce found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceClaim {
    /// Not seen before (or only seen in an expired item): now recorded.
    Fresh,
    /// Already recorded and not yet expired: the request is a replay.
    Replayed,
}

/// How long a state-table call may take, sized to its caller's budget: the SDK gives a client
/// only a connect timeout by default, so a DynamoDB endpoint that accepts connections and never
/// answers would hold the caller until Lambda's own timeout. The presets are rows of the
/// timeouts table of `docs/deploy.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateTimeouts {
    /// Longest wait to open a connection.
    pub connect: Duration,
    /// Longest wait for one attempt.
    pub attempt: Duration,
    /// Longest wait for the call, retries included.
    pub operation: Duration,
    /// Attempts per call (standard retry mode; 1 disables retries).
    pub max_attempts: u32,
}

impl StateTimeouts {
    /// The token API and the moderation API (routes and webhook): a state-table call answers
    /// or fails well inside a second (two attempts of 350 ms, 800 ms in all), so a request
    /// ends with the documented 502 long before the functions' 10 s Lambda timeout.
    pub const REQUEST_PATH: Self = Self {
        connect: Duration::from_millis(300),
        attempt: Duration::from_millis(350),
        operation: Duration::from_millis(800),
        max_attempts: 2,
    };

    /// The review handler's ban check: one attempt of at most 600 ms. A message never waits
    /// that long: it waits at most `BAN_LOOKUP_TIMEOUT_MS` (5–150 ms) and then applies the
    /// failure mode; this bounds the read that goes on in the background (a refresh, or the
    /// read a message gave up on), so a hung table cannot pile up reads.
    pub const REVIEW_PATH: Self = Self {
        connect: Duration::from_millis(150),
        attempt: Duration::from_millis(600),
        operation: Duration::from_millis(600),
        max_attempts: 1,
    };

    /// The escalation function (invoked asynchronously by CloudWatch Logs, 30 s Lambda
    /// timeout, a batch of strikes per invocation): three attempts of 2 s, 6 s in all per call.
    pub const BACKGROUND: Self = Self {
        connect: Duration::from_secs(1),
        attempt: Duration::from_secs(2),
        operation: Duration::from_secs(6),
        max_attempts: 3,
    };

    fn timeout_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }

    fn retry_config(&self) -> RetryConfig {
        RetryConfig::standard().with_max_attempts(self.max_attempts.max(1))
    }
}

/// The state table, through one DynamoDB client. Build it once per cold start.
#[derive(Debug, Clone)]
pub struct StateTable {
    client: Client,
    name: String,
}

impl StateTable {
    /// The table `name` through `client`.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
        }
    }

    /// The table `name` with a client built from `aws` (`AWS_ENDPOINT_URL_DYNAMODB` and the
    /// usual region and credential settings apply) whose calls keep to `timeouts`.
    pub fn from_sdk_config(
        aws: &aws_config::SdkConfig,
        name: impl Into<String>,
        timeouts: StateTimeouts,
    ) -> Self {
        let config = aws_sdk_dynamodb::config::Builder::from(aws)
            .timeout_config(timeouts.timeout_config())
            .retry_config(timeouts.retry_config())
            .build();
        Self::new(Client::from_conf(config), name)
    }

    /// The table name from `STATE_TABLE_NAME` (3–255 of `A–Z a–z 0–9 _ - .`), or `None` when
    /// unset.
    pub fn name_from_config(config: &ConfigReader<'_>) -> Result<Option<String>, ConfigError> {
        let Some(name) = config.optional(TABLE_NAME_VARIABLE) else {
            return Ok(None);
        };
        let valid = (3..=255).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if valid {
            Ok(Some(name))
        } else {
            Err(ConfigError::new(
                TABLE_NAME_VARIABLE,
                "must be a DynamoDB table name: 3 to 255 of A-Z a-z 0-9 _ - .",
            ))
        }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Records `key` (a nonce, or another value that identifies one request) in `scope` until
    /// `expires_at` (unix seconds), unless it is already recorded and not yet expired. One
    /// conditional write, so two instances racing on the same key get one `Fresh` and one
    /// `Replayed`.
    pub async fn claim_nonce(
        &self,
        scope: &str,
        key: &str,
        expires_at: u64,
        now: SystemTime,
    ) -> Result<NonceClaim, StateError> {
        check_key("scope", scope)?;
        check_key("key", key)?;
        let now_seconds = unix_seconds(now);
        let result = self
            .client
            .put_item()
            .table_name(&self.name)
            .item(
                PARTITION_KEY,
                AttributeValue::S(format!("nonce#{scope}#{key}")),
            )
            .item(SORT_KEY, AttributeValue::S("nonce".to_owned()))
            .item(EXPIRES_AT, AttributeValue::N(expires_at.to_string()))
            .condition_expression("attribute_not_exists(#pk) OR #exp < :now")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":now", AttributeValue::N(now_seconds.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(NonceClaim::Fresh),
            Err(SdkError::ServiceError(service))
                if matches!(
                    service.err(),
                    PutItemError::ConditionalCheckFailedException(_)
                ) =>
            {
                Ok(NonceClaim::Replayed)
            }
            Err(error) => Err(classify("PutItem", &error)),
        }
    }
}

fn check_key(what: &'static str, value: &str) -> Result<(), StateError> {
    if value.is_empty() || value.chars().count() > MAX_KEY_CHARS || value.contains('#') {
        Err(StateError::InvalidKey(what))
    } else {
        Ok(())
    }
}

fn classify<E, R>(operation: &'static str, error: &SdkError<E, R>) -> StateError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = error.code().unwrap_or("").to_owned();
    if matches!(
        code.as_str(),
        "ProvisionedThroughputExceededException" | "ThrottlingException" | "RequestLimitExceeded"
    ) {
        return StateError::Throttled { operation, code };
    }
    let detail = match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => DisplayErrorContext(error).to_string(),
    };
    StateError::Unavailable { operation, detail }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn table_name_is_optional_and_checked() {
        let none: BTreeMap<&str, &str> = BTreeMap::new();
        assert_eq!(
            StateTable::name_from_config(&ConfigReader::new(&none)),
            Ok(None)
        );
        let good = BTreeMap::from([(TABLE_NAME_VARIABLE, "stack-state")]);
        assert_eq!(
            StateTable::name_from_config(&ConfigReader::new(&good)),
            Ok(Some("stack-state".to_owned()))
        );
        let bad = BTreeMap::from([(TABLE_NAME_VARIABLE, "no/slashes")]);
        let error = StateTable::name_from_config(&ConfigReader::new(&bad)).expect_err("bad");
        assert_eq!(error.variable, TABLE_NAME_VARIABLE);
    }

    #[test]
    fn keys_with_the_separator_are_refused() {
        assert_eq!(check_key("key", "a#b"), Err(StateError::InvalidKey("key")));
        assert_eq!(check_key("key", ""), Err(StateError::InvalidKey("key")));
        assert_eq!(check_key("key", "v2:abc"), Ok(()));
    }
}
