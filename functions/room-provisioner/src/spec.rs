//! The rooms spec: rooms and logging configurations declared in TOML by stable keys.
//!
//! Parsing is strict: unknown fields are refused, every constraint is checked with
//! [`ivschat_api::validate`] (so errors use the service's own words), referenced logging
//! configurations must exist, and the toolkit's reserved tag keys are refused. Every problem is
//! reported with the entry (`rooms.lobby`), the field and the rule.

use std::collections::BTreeMap;
use std::fmt;

use ivschat_api::model::{Destination, FallbackResult, MessageReviewHandler};
use ivschat_api::validate::{self, Violation};
use serde::Deserialize;

use ivschat_api::managed;

/// The service default for `maximumMessageLength`, used when the spec leaves it out.
pub const DEFAULT_MAXIMUM_MESSAGE_LENGTH: i64 = 500;
/// The service default for `maximumMessageRatePerSecond`, used when the spec leaves it out.
pub const DEFAULT_MAXIMUM_MESSAGE_RATE_PER_SECOND: i64 = 10;
/// The longest the space-joined list of a resource's spec tag keys may be (it is recorded in one
/// tag value, see [`managed::SPEC_TAG_KEYS_TAG`]).
pub const MAX_JOINED_TAG_KEYS_LENGTH: usize = 256;

/// A parsed rooms spec, before defaults from the deployment's configuration are applied.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RoomsSpec {
    /// Delete managed rooms and logging configurations that the spec no longer declares.
    #[serde(default)]
    pub prune: bool,
    /// Logging configurations by key.
    #[serde(default)]
    pub logging_configurations: BTreeMap<String, LoggingConfigurationSpec>,
    /// Rooms by key.
    #[serde(default)]
    pub rooms: BTreeMap<String, RoomSpec>,
}

/// One room as declared; unset fields take the service defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RoomSpec {
    /// The room's name; defaults to the key.
    pub name: Option<String>,
    /// Longest message in code points (1–500; default 500).
    pub maximum_message_length: Option<i64>,
    /// Messages per second from all clients (1–100; default 10).
    pub maximum_message_rate_per_second: Option<i64>,
    /// The review handler; absent means this deployment's default handler.
    pub message_review_handler: Option<ReviewHandlerSpec>,
    /// Keys of logging configurations in this spec (at most 3).
    #[serde(default)]
    pub logging_configurations: Vec<String>,
    /// The room's own tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A room's review handler as declared.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReviewHandlerSpec {
    /// The Lambda ARN; absent means the deployment's `REVIEW_HANDLER_ARN`; `""` means no handler.
    pub uri: Option<String>,
    /// What IVS does when the handler fails (default ALLOW).
    pub fallback_result: Option<FallbackResult>,
}

/// One logging configuration as declared.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LoggingConfigurationSpec {
    /// The configuration's name; defaults to the key.
    pub name: Option<String>,
    /// Where it delivers: exactly one of `s3`, `cloudWatchLogs`, `firehose`.
    pub destination: DestinationSpec,
    /// Its own tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A destination as declared: exactly one member set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DestinationSpec {
    /// An S3 bucket.
    pub s3: Option<S3Spec>,
    /// A CloudWatch Logs group.
    pub cloud_watch_logs: Option<CloudWatchLogsSpec>,
    /// A Firehose delivery stream.
    pub firehose: Option<FirehoseSpec>,
}

/// `destination.s3`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct S3Spec {
    /// The bucket's name.
    pub bucket_name: String,
}

/// `destination.cloudWatchLogs`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CloudWatchLogsSpec {
    /// The log group's name.
    pub log_group_name: String,
}

/// `destination.firehose`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FirehoseSpec {
    /// The delivery stream's name.
    pub delivery_stream_name: String,
}

impl DestinationSpec {
    fn to_destination(&self) -> Option<Destination> {
        match (&self.s3, &self.cloud_watch_logs, &self.firehose) {
            (Some(s3), None, None) => Some(Destination::S3 {
                bucket_name: s3.bucket_name.clone(),
            }),
            (None, Some(cw), None) => Some(Destination::CloudWatchLogs {
                log_group_name: cw.log_group_name.clone(),
            }),
            (None, None, Some(f)) => Some(Destination::Firehose {
                delivery_stream_name: f.delivery_stream_name.clone(),
            }),
            _ => None,
        }
    }
}

/// One problem in a spec: where (`rooms.lobby`, or `spec` for the file as a whole), which field,
/// and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecViolation {
    /// The entry: `rooms.KEY`, `loggingConfigurations.KEY`, or `spec`.
    pub entry: String,
    /// The field within the entry (`maximumMessageLength`, `tags`, `destination.s3.bucketName`).
    pub field: String,
    /// The rule, completing "field: …".
    pub rule: String,
}

impl SpecViolation {
    fn new(entry: impl Into<String>, field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            entry: entry.into(),
            field: field.into(),
            rule: rule.into(),
        }
    }

    fn from_violation(entry: &str, violation: Violation) -> Self {
        Self::new(entry, violation.field, violation.rule)
    }
}

impl fmt::Display for SpecViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.entry, self.field, self.rule)
    }
}

/// Why a rooms spec was refused. Carries every problem found, not just the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// The text is not TOML, or an entry has an unknown field or a value of the wrong type.
    #[error("rooms spec is malformed: {0}")]
    Malformed(SpecViolation),
    /// The TOML is well-formed but breaks the spec's rules.
    #[error("rooms spec is invalid: {}", join(.0))]
    Invalid(Vec<SpecViolation>),
}

impl SpecError {
    /// Every violation in the error.
    pub fn violations(&self) -> Vec<&SpecViolation> {
        match self {
            Self::Malformed(v) => vec![v],
            Self::Invalid(all) => all.iter().collect(),
        }
    }
}

fn join(violations: &[SpecViolation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The top level read first, so that each entry is then deserialized on its own and a serde
/// error can name the entry it is in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawSpec {
    #[serde(default)]
    prune: bool,
    #[serde(default)]
    logging_configurations: BTreeMap<String, toml::Value>,
    #[serde(default)]
    rooms: BTreeMap<String, toml::Value>,
}

/// Splits a serde message into (field, rule) when it names a field (`unknown field `x``).
fn serde_violation(entry: &str, message: &str) -> SpecViolation {
    let message = message.trim();
    for prefix in ["unknown field `", "missing field `", "duplicate field `"] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((field, _)) = rest.split_once('`')
        {
            let rule = match prefix {
                "unknown field `" => format!("is not a known field ({message})"),
                "missing field `" => "is required".to_owned(),
                _ => "is given twice".to_owned(),
            };
            return SpecViolation::new(entry, field, rule);
        }
    }
    SpecViolation::new(entry, "value", message)
}

/// Finds which field of an entry a serde error (which names none) is about, by reading each
/// field alone; `missing field` errors are not that field's fault and are skipped.
fn locate_field<T: serde::de::DeserializeOwned>(value: &toml::Value) -> Option<String> {
    let table = value.as_table()?;
    table.iter().find_map(|(field, field_value)| {
        let mut alone = toml::Table::new();
        alone.insert(field.clone(), field_value.clone());
        match toml::Value::Table(alone).try_into::<T>() {
            Err(e) if !e.message().starts_with("missing field") => Some(field.clone()),
            _ => None,
        }
    })
}

fn entry_from<T: serde::de::DeserializeOwned>(
    entry: &str,
    value: toml::Value,
) -> Result<T, SpecError> {
    value.clone().try_into().map_err(|e: toml::de::Error| {
        let mut violation = serde_violation(entry, e.message());
        if violation.field == "value"
            && let Some(field) = locate_field::<T>(&value)
        {
            violation.field = field;
        }
        SpecError::Malformed(violation)
    })
}

impl RoomsSpec {
    /// Parses and checks a spec. Fails with every rule broken, each naming entry, field and rule.
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let raw: RawSpec = toml::from_str(text).map_err(|e| {
            let location = e
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}")
                })
                .unwrap_or_else(|| "spec".to_owned());
            SpecError::Malformed(serde_violation(&location, e.message()))
        })?;
        let mut spec = RoomsSpec {
            prune: raw.prune,
            logging_configurations: BTreeMap::new(),
            rooms: BTreeMap::new(),
        };
        for (key, value) in raw.logging_configurations {
            let entry = format!("loggingConfigurations.{key}");
            spec.logging_configurations
                .insert(key, entry_from(&entry, value)?);
        }
        for (key, value) in raw.rooms {
            let entry = format!("rooms.{key}");
            spec.rooms.insert(key, entry_from(&entry, value)?);
        }
        let violations = spec.violations();
        if violations.is_empty() {
            Ok(spec)
        } else {
            Err(SpecError::Invalid(violations))
        }
    }

    /// Every rule the spec breaks (empty when it is valid).
    pub fn violations(&self) -> Vec<SpecViolation> {
        let mut found = Vec::new();
        for (key, lc) in &self.logging_configurations {
            let entry = format!("loggingConfigurations.{key}");
            check_key(&entry, key, &mut found);
            if let Some(name) = &lc.name
                && let Err(v) = validate::resource_name("name", name)
            {
                found.push(SpecViolation::from_violation(&entry, v));
            }
            let d = &lc.destination;
            if let Err(v) = validate::destination_configuration(
                "destination",
                d.s3.as_ref().map(|s| s.bucket_name.as_str()),
                d.cloud_watch_logs
                    .as_ref()
                    .map(|c| c.log_group_name.as_str()),
                d.firehose.as_ref().map(|f| f.delivery_stream_name.as_str()),
            ) {
                found.push(SpecViolation::from_violation(&entry, v));
            }
            check_tags(&entry, &lc.tags, &mut found);
        }
        for (key, room) in &self.rooms {
            let entry = format!("rooms.{key}");
            check_key(&entry, key, &mut found);
            let mut push = |result: Result<(), Violation>| {
                if let Err(v) = result {
                    found.push(SpecViolation::from_violation(&entry, v));
                }
            };
            if let Some(name) = &room.name {
                push(validate::resource_name("name", name));
            }
            if let Some(length) = room.maximum_message_length {
                push(validate::maximum_message_length(
                    "maximumMessageLength",
                    length,
                ));
            }
            if let Some(rate) = room.maximum_message_rate_per_second {
                push(validate::maximum_message_rate_per_second(
                    "maximumMessageRatePerSecond",
                    rate,
                ));
            }
            if let Some(uri) = room
                .message_review_handler
                .as_ref()
                .and_then(|h| h.uri.as_deref())
            {
                push(validate::message_review_handler_uri(
                    "messageReviewHandler.uri",
                    uri,
                ));
            }
            if room.logging_configurations.len() > validate::MAX_LOGGING_CONFIGURATIONS_PER_ROOM {
                found.push(SpecViolation::new(
                    &entry,
                    "loggingConfigurations",
                    format!(
                        "must have at most {} logging configurations",
                        validate::MAX_LOGGING_CONFIGURATIONS_PER_ROOM
                    ),
                ));
            }
            let mut seen = Vec::new();
            for lc_key in &room.logging_configurations {
                if !self.logging_configurations.contains_key(lc_key) {
                    found.push(SpecViolation::new(
                        &entry,
                        "loggingConfigurations",
                        format!(
                            "names `{lc_key}`, which is not a key under [loggingConfigurations]"
                        ),
                    ));
                }
                if seen.contains(&lc_key) {
                    found.push(SpecViolation::new(
                        &entry,
                        "loggingConfigurations",
                        format!("names `{lc_key}` twice"),
                    ));
                }
                seen.push(lc_key);
            }
            check_tags(&entry, &room.tags, &mut found);
        }
        found
    }

    /// Applies the deployment's defaults and yields what each resource should look like. Fails
    /// when a room asks for a handler setting but no handler URI is known.
    pub fn resolve(&self, defaults: &SpecDefaults) -> Result<DesiredState, SpecError> {
        let mut problems = Vec::new();
        let mut rooms = BTreeMap::new();
        for (key, room) in &self.rooms {
            let default_uri = defaults.review_handler_uri.as_deref().unwrap_or("");
            let (uri, fallback) = match &room.message_review_handler {
                None => (default_uri, None),
                Some(h) => (h.uri.as_deref().unwrap_or(default_uri), h.fallback_result),
            };
            let handler = if uri.is_empty() {
                if fallback.is_some() {
                    problems.push(SpecViolation::new(
                        format!("rooms.{key}"),
                        "messageReviewHandler.fallbackResult",
                        "needs a handler: give messageReviewHandler.uri or set REVIEW_HANDLER_ARN",
                    ));
                }
                None
            } else {
                Some(MessageReviewHandler {
                    uri: uri.to_owned(),
                    fallback_result: fallback.unwrap_or_default(),
                })
            };
            rooms.insert(
                key.clone(),
                DesiredRoom {
                    name: room.name.clone().unwrap_or_else(|| key.clone()),
                    maximum_message_length: room
                        .maximum_message_length
                        .unwrap_or(DEFAULT_MAXIMUM_MESSAGE_LENGTH),
                    maximum_message_rate_per_second: room
                        .maximum_message_rate_per_second
                        .unwrap_or(DEFAULT_MAXIMUM_MESSAGE_RATE_PER_SECOND),
                    message_review_handler: handler,
                    logging_configurations: room.logging_configurations.clone(),
                    tags: room.tags.clone(),
                },
            );
        }
        let mut logging_configurations = BTreeMap::new();
        for (key, lc) in &self.logging_configurations {
            match lc.destination.to_destination() {
                Some(destination) => {
                    logging_configurations.insert(
                        key.clone(),
                        DesiredLoggingConfiguration {
                            name: lc.name.clone().unwrap_or_else(|| key.clone()),
                            destination,
                            tags: lc.tags.clone(),
                        },
                    );
                }
                None => problems.push(SpecViolation::new(
                    format!("loggingConfigurations.{key}"),
                    "destination",
                    "must set exactly one of s3, cloudWatchLogs and firehose",
                )),
            }
        }
        if problems.is_empty() {
            Ok(DesiredState {
                prune: self.prune,
                rooms,
                logging_configurations,
            })
        } else {
            Err(SpecError::Invalid(problems))
        }
    }
}

fn check_key(entry: &str, key: &str, found: &mut Vec<SpecViolation>) {
    if key.is_empty() {
        found.push(SpecViolation::new(entry, "key", "must not be empty"));
    } else if let Err(v) = validate::resource_name("key", key) {
        found.push(SpecViolation::from_violation(entry, v));
    }
}

fn check_tags(entry: &str, tags: &BTreeMap<String, String>, found: &mut Vec<SpecViolation>) {
    for key in tags.keys() {
        if managed::is_reserved(key) {
            found.push(SpecViolation::new(
                entry,
                format!("tags.{key}"),
                format!(
                    "tag keys starting with `{}` are reserved for the toolkit",
                    managed::RESERVED_PREFIX
                ),
            ));
        } else if key.starts_with("aws:") {
            found.push(SpecViolation::new(
                entry,
                format!("tags.{key}"),
                "tag keys starting with `aws:` are reserved by AWS",
            ));
        } else if key.chars().any(char::is_whitespace) {
            found.push(SpecViolation::new(
                entry,
                format!("tags.{key}"),
                "tag keys must not contain spaces",
            ));
        }
    }
    // The provisioner adds its own tags; the total must still fit the service's limit.
    let mut with_managed = tags.clone();
    for reserved in managed::PROVISIONER_TAGS {
        with_managed.insert(reserved.to_owned(), String::new());
    }
    if with_managed.len() > validate::MAX_TAGS {
        found.push(SpecViolation::new(
            entry,
            "tags",
            format!(
                "must have at most {} tags ({} are kept for the toolkit's own tags)",
                validate::MAX_TAGS - managed::PROVISIONER_TAGS.len(),
                managed::PROVISIONER_TAGS.len()
            ),
        ));
    } else if let Err(v) = validate::tags("tags", tags) {
        found.push(SpecViolation::from_violation(entry, v));
    }
    if managed::join_keys(tags.keys()).len() > MAX_JOINED_TAG_KEYS_LENGTH {
        found.push(SpecViolation::new(
            entry,
            "tags",
            format!(
                "tag keys joined by spaces must fit in {MAX_JOINED_TAG_KEYS_LENGTH} characters \
                 (they are recorded in the {} tag)",
                managed::SPEC_TAG_KEYS_TAG
            ),
        ));
    }
}

/// Settings from the deployment's configuration that fill in what the spec leaves out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecDefaults {
    /// This deployment's review handler ARN (`REVIEW_HANDLER_ARN`), used by rooms that do not
    /// name their own.
    pub review_handler_uri: Option<String>,
}

/// What the spec asks for once defaults are applied: the input to planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredState {
    /// Whether resources missing from the spec are deleted.
    pub prune: bool,
    /// Rooms by key.
    pub rooms: BTreeMap<String, DesiredRoom>,
    /// Logging configurations by key.
    pub logging_configurations: BTreeMap<String, DesiredLoggingConfiguration>,
}

/// A room with every setting decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredRoom {
    /// Name.
    pub name: String,
    /// Longest message.
    pub maximum_message_length: i64,
    /// Message rate.
    pub maximum_message_rate_per_second: i64,
    /// Review handler, or none.
    pub message_review_handler: Option<MessageReviewHandler>,
    /// Keys of the logging configurations to attach.
    pub logging_configurations: Vec<String>,
    /// The spec's tags (the provisioner adds its own).
    pub tags: BTreeMap<String, String>,
}

/// A logging configuration with every setting decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredLoggingConfiguration {
    /// Name.
    pub name: String,
    /// Destination.
    pub destination: Destination,
    /// The spec's tags (the provisioner adds its own).
    pub tags: BTreeMap<String, String>,
}
