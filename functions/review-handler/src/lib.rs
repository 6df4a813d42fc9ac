//! The IVS Chat message review handler, as plain functions testable without Lambda.
//!
//! [`handle_event`] takes the raw event (so a malformed one can still be logged with its
//! `MessageId`), reviews it with the compiled policy and returns the exact reply for IVS Chat
//! (docs/ivs-chat.md §1.2–§1.3). It logs one structured line per decision and prints CloudWatch
//! Embedded Metric Format (EMF) lines counting decisions by result and by category.
//! [`ReviewHandlerConfig`] is what the function reads from its environment at cold start.
//! [`review_event`] does the same after the ban check ([`bans`]): a banned or timed-out sender
//! is denied with a reason they see.

#![warn(missing_docs)]

pub mod bans;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use function_startup::{ConfigError, ConfigReader, ConfigSource, ProcessEnv};
use ivschat_api::review::{ReviewRequest, ReviewResponse};
use ivschat_moderation::{POLICY_PATH_ENV, PolicySet, Review};
use lambda_runtime::Diagnostic;
use serde_json::Value;

use crate::bans::{
    BanCheckSettings, BanVerdict, CachedBanCheck, UNAVAILABLE_REASON, denial_reason,
};

/// CloudWatch namespace of the EMF metrics.
pub const METRICS_NAMESPACE: &str = "IvsChat/Review";

/// What the review handler reads from its environment at cold start: the policy, compiled.
#[derive(Debug)]
pub struct ReviewHandlerConfig {
    /// The policy file named by `REVIEW_POLICY_PATH` ([`POLICY_PATH_ENV`]) and handed to
    /// [`PolicySet::load`]; `None` (unset or blank) means the built-in default policy.
    pub policy_path: Option<PathBuf>,
    /// The compiled policy.
    pub policy: PolicySet,
    /// The state table holding bans (`STATE_TABLE_NAME`); `None` checks no bans.
    pub state_table_name: Option<String>,
    /// How the ban check behaves (`BAN_CACHE_SECONDS`, `BAN_LOOKUP_TIMEOUT_MS`,
    /// `BAN_CHECK_ON_FAILURE`).
    pub ban_check: BanCheckSettings,
}

impl ReviewHandlerConfig {
    /// Reads the process environment and compiles the policy.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&ProcessEnv)
    }

    /// Reads `REVIEW_POLICY_PATH` from `source` and compiles the policy it names (or the
    /// built-in one). A policy that does not load fails naming the variable (or the built-in
    /// policy), with the engine's message naming the file, the entry and the rule. Also reads
    /// `STATE_TABLE_NAME` (none: no ban check) and the ban check's settings
    /// ([`BanCheckSettings::from_config`]).
    pub fn from_source(source: &dyn ConfigSource) -> Result<Self, ConfigError> {
        let reader = ConfigReader::new(source);
        let state_table_name = toolkit_state::StateTable::name_from_config(&reader)?;
        let ban_check = BanCheckSettings::from_config(&reader)?;
        let policy_path = reader.optional(POLICY_PATH_ENV).map(PathBuf::from);
        let policy = PolicySet::load(policy_path.as_deref()).map_err(|error| {
            let variable = if policy_path.is_some() {
                POLICY_PATH_ENV
            } else {
                "built-in policy"
            };
            ConfigError::new(variable, error.to_string())
        })?;
        Ok(Self {
            policy_path,
            policy,
            state_table_name,
            ban_check,
        })
    }
}

impl std::fmt::Display for ReviewHandlerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "moderation policy {}", self.policy.source_name())?;
        match &self.state_table_name {
            Some(_) => write!(
                f,
                ", ban check (cache {} s, timeout {} ms, on failure {:?})",
                self.ban_check.fresh_for.as_secs(),
                self.ban_check.lookup_timeout.as_millis(),
                self.ban_check.on_failure
            ),
            None => f.write_str(", no ban check"),
        }
    }
}

/// Why an event could not be reviewed. IVS Chat then applies the room's `fallbackResult`.
#[derive(Debug, thiserror::Error)]
pub enum ReviewHandlerError {
    /// The event is not a review request (missing or mistyped field, not an object).
    #[error("malformed review event (MessageId {message_id:?}): {source}")]
    MalformedEvent {
        /// The event's `MessageId`, when it could be read.
        message_id: Option<String>,
        /// What was wrong with it.
        source: serde_json::Error,
    },
}

impl From<ReviewHandlerError> for Diagnostic {
    fn from(error: ReviewHandlerError) -> Diagnostic {
        let error_type = match error {
            ReviewHandlerError::MalformedEvent { .. } => "MalformedEvent",
        };
        Diagnostic {
            error_type: error_type.to_string(),
            error_message: error.to_string(),
        }
    }
}

/// Reviews one raw event: deserializes it, decides with the room's profile, logs the decision
/// and prints its metrics. Fails only when the event is malformed (logged with its MessageId).
pub fn handle_event(
    policy: &PolicySet,
    event: Value,
) -> Result<ReviewResponse, ReviewHandlerError> {
    let request = parse_event(event)?;
    Ok(review_request(policy, &request))
}

/// [`handle_event`] after the ban check: a sender `bans` finds banned or timed out in the room
/// (or everywhere) is denied with the ban's reason, before the policy is consulted; when the
/// check cannot answer in time, its failure mode applies ([`bans::FailureMode`]). Without
/// `bans`, exactly [`handle_event`].
pub async fn review_event(
    policy: &PolicySet,
    bans: Option<&Arc<CachedBanCheck>>,
    event: Value,
) -> Result<ReviewResponse, ReviewHandlerError> {
    let request = parse_event(event)?;
    if let Some(check) = bans {
        let started = Instant::now();
        let verdict = check
            .check(room_id(&request.room_arn), &request.sender.user_id)
            .await;
        let reason = match verdict {
            BanVerdict::Clear => None,
            BanVerdict::Banned(ban) => Some(("ban", denial_reason(&ban))),
            BanVerdict::Unavailable => {
                Some(("ban-check-unavailable", UNAVAILABLE_REASON.to_owned()))
            }
        };
        if let Some((rule, reason)) = reason {
            let micros = started.elapsed().as_secs_f64() * 1e6;
            return Ok(deny_sender(&request, rule, reason, micros));
        }
    }
    Ok(review_request(policy, &request))
}

fn parse_event(event: Value) -> Result<ReviewRequest, ReviewHandlerError> {
    let message_id = event
        .get("MessageId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    match serde_json::from_value(event) {
        Ok(request) => Ok(request),
        Err(source) => {
            tracing::error!(
                message_id = message_id.as_deref().unwrap_or(""),
                error = %source,
                "malformed review event; IVS applies the room's fallbackResult"
            );
            Err(ReviewHandlerError::MalformedEvent { message_id, source })
        }
    }
}

fn review_request(policy: &PolicySet, request: &ReviewRequest) -> ReviewResponse {
    let started = Instant::now();
    let review = policy.review(request);
    let micros = started.elapsed().as_secs_f64() * 1e6;
    log_decision(request, &review, micros);
    let metrics = metric_lines(&review, micros, timestamp_ms());
    // One write per decision; a closed stdout must not fail the review.
    let _ = std::io::stdout().lock().write_all(metrics.as_bytes());
    review.response
}

/// Now, in unix milliseconds: the timestamp of every EMF record the handler writes.
pub(crate) fn timestamp_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The denial of a banned sender (`rule` `ban`) or of one whose ban could not be checked
/// (`ban-check-unavailable`), logged like any decision (category `ban`, which escalation does
/// not count as a strike) and counted in the metrics.
fn deny_sender(request: &ReviewRequest, rule: &str, reason: String, micros: f64) -> ReviewResponse {
    tracing::info!(
        message_id = %request.message_id,
        room_id = room_id(&request.room_arn),
        user_id = %request.sender.user_id,
        profile = "-",
        result = "DENY",
        rewritten = false,
        rules = rule,
        categories = "ban",
        decision_us = micros,
        "review decision"
    );
    let line = format!(
        r#"{{"_aws":{{"Timestamp":{},"CloudWatchMetrics":[{{"Namespace":"{METRICS_NAMESPACE}","Dimensions":[["Category","Result"]],"Metrics":[{{"Name":"Decisions","Unit":"Count"}}]}}]}},"Category":"ban","Result":"DENY","Decisions":1}}"#,
        timestamp_ms()
    );
    let _ = writeln!(std::io::stdout().lock(), "{line}");
    // Within IVS Chat's reply limits whatever the request held (a direct invoke can send more
    // than 500 code points, or nothing).
    ivschat_moderation::deny_response(&request.content, &reason)
}

/// The room id (last segment of the room ARN).
pub fn room_id(room_arn: &str) -> &str {
    room_arn.rsplit('/').next().unwrap_or(room_arn)
}

/// Formats the rules that fired as `rule:action[start..end],...` only when a log line is written.
struct RulesFired<'a>(&'a Review);

impl std::fmt::Display for RulesFired<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, hit) in self.0.decision.hits.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            write!(
                f,
                "{}:{}[{}..{}]",
                hit.rule,
                hit.action.as_str(),
                hit.span.start,
                hit.span.end
            )?;
        }
        Ok(())
    }
}

/// Formats the categories that fired, comma-separated, only when a log line is written.
struct CategoriesFired<'a>(&'a Review);

impl std::fmt::Display for CategoriesFired<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.decision.categories_fired().join(","))
    }
}

fn log_decision(request: &ReviewRequest, review: &Review, micros: f64) {
    tracing::info!(
        message_id = %request.message_id,
        room_id = room_id(&request.room_arn),
        user_id = %request.sender.user_id,
        profile = %review.decision.profile,
        result = review.response.review_result.as_str(),
        rewritten = matches!(review.decision.verdict, ivschat_moderation::Verdict::Rewrite { .. }),
        rules = %RulesFired(review),
        categories = %CategoriesFired(review),
        decision_us = micros,
        "review decision"
    );
    tracing::debug!(message_id = %request.message_id, content = %request.content, "reviewed message text");
}

/// CloudWatch EMF lines for one decision (newline-terminated): one counting it by result (with
/// its decision time), and one per category that fired, counting it by category and result.
pub fn metric_lines(review: &Review, decision_micros: f64, timestamp_ms: u64) -> String {
    use std::fmt::Write as _;
    let result = review.response.review_result.as_str();
    let mut out = String::with_capacity(512);
    // Hand-written EMF: the values are ASCII result names, numbers and JSON-escaped categories.
    let _ = writeln!(
        out,
        r#"{{"_aws":{{"Timestamp":{timestamp_ms},"CloudWatchMetrics":[{{"Namespace":"{METRICS_NAMESPACE}","Dimensions":[["Result"]],"Metrics":[{{"Name":"Decisions","Unit":"Count"}},{{"Name":"DecisionTime","Unit":"Microseconds"}}]}}]}},"Result":"{result}","Decisions":1,"DecisionTime":{decision_micros:.3}}}"#
    );
    for category in review.decision.categories_fired() {
        let category = serde_json::to_string(category).unwrap_or_else(|_| "\"\"".to_string());
        let _ = writeln!(
            out,
            r#"{{"_aws":{{"Timestamp":{timestamp_ms},"CloudWatchMetrics":[{{"Namespace":"{METRICS_NAMESPACE}","Dimensions":[["Category","Result"]],"Metrics":[{{"Name":"Decisions","Unit":"Count"}}]}}]}},"Category":{category},"Result":"{result}","Decisions":1}}"#
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(content: &str) -> Review {
        let policy = PolicySet::builtin().expect("built-in policy compiles");
        let request: ReviewRequest = serde_json::from_value(serde_json::json!({
            "Content": content, "MessageId": "A1b2C3d4E5f6",
            "RoomArn": "arn:aws:ivschat:us-east-1:123456789012:room/abcdEFGH1234",
            "Sender": {"UserId": "viewer-1"}
        }))
        .expect("valid request");
        policy.review(&request)
    }

    #[test]
    fn emits_one_emf_line_by_result_and_one_per_category() {
        // GIVEN a denied message with profanity and a flagged link
        let review = review("fuck this, see evil.example.com");
        // WHEN its metrics are formatted
        let text = metric_lines(&review, 12.5, 1_700_000_000_000);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is JSON"))
            .collect();
        // THEN the first counts the decision by result, the others by category and result
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["Result"], "DENY");
        assert_eq!(lines[0]["Decisions"], 1);
        assert_eq!(lines[0]["DecisionTime"], 12.5);
        assert_eq!(
            lines[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            METRICS_NAMESPACE
        );
        assert_eq!(lines[0]["_aws"]["Timestamp"], 1_700_000_000_000u64);
        assert_eq!(lines[1]["Category"], "link");
        assert_eq!(lines[2]["Category"], "profanity");
        assert_eq!(
            lines[2]["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0],
            serde_json::json!(["Category", "Result"])
        );
    }

    #[test]
    fn formats_rules_fired_with_action_and_span() {
        let review = review("what the fuck");
        assert_eq!(
            RulesFired(&review).to_string(),
            "profanity-strong:deny[9..13]"
        );
        assert_eq!(CategoriesFired(&review).to_string(), "profanity");
    }

    fn config(vars: &[(&'static str, &'static str)]) -> Result<ReviewHandlerConfig, ConfigError> {
        let vars: std::collections::BTreeMap<&str, &str> = vars.iter().copied().collect();
        ReviewHandlerConfig::from_source(&vars)
    }

    #[test]
    fn reads_the_policy_path_and_treats_an_empty_one_as_unset() {
        // GIVEN a path that does not exist WHEN read THEN the error names the variable and path
        let missing = config(&[("REVIEW_POLICY_PATH", "/opt/policy.toml")]).expect_err("absent");
        assert_eq!(missing.variable, "REVIEW_POLICY_PATH");
        assert!(missing.rule.starts_with("/opt/policy.toml: "), "{missing}");
        // GIVEN an empty or no path THEN the built-in policy is compiled
        let empty = config(&[("REVIEW_POLICY_PATH", "")]).expect("built-in");
        assert_eq!(empty.policy_path, None);
        let unset = config(&[]).expect("built-in");
        assert_eq!(unset.policy_path, None);
        assert_eq!(
            unset.policy.source_name(),
            ivschat_moderation::DEFAULT_POLICY_NAME
        );
    }

    #[test]
    fn loads_a_policy_file_named_by_the_variable() {
        let path = std::env::temp_dir().join(format!("review-policy-{}.toml", std::process::id()));
        std::fs::write(&path, "[[terms]]\nrule = \"t\"\ncategory = \"c\"\nseverity = \"high\"\npatterns = [\"zzzq\"]\n")
            .expect("write policy");
        let path_text = path.display().to_string();
        let vars: std::collections::BTreeMap<&str, &str> =
            std::collections::BTreeMap::from([("REVIEW_POLICY_PATH", path_text.as_str())]);
        let loaded = ReviewHandlerConfig::from_source(&vars);
        std::fs::remove_file(&path).ok();
        let loaded = loaded.expect("a valid policy file loads");
        assert_eq!(loaded.policy_path.as_deref(), Some(path.as_path()));
        assert_ne!(
            loaded.policy.source_name(),
            ivschat_moderation::DEFAULT_POLICY_NAME
        );
    }

    #[test]
    fn room_id_is_the_last_arn_segment() {
        assert_eq!(
            room_id("arn:aws:ivschat:us-east-1:123456789012:room/abcdEFGH1234"),
            "abcdEFGH1234"
        );
        assert_eq!(room_id("plain-id"), "plain-id");
    }
}
