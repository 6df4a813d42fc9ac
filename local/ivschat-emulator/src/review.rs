//! Message review as IVS Chat does it (docs/ivs-chat.md §1): the room's handler gets the review
//! request, has 200 ms to answer, and a timeout, a function error or an invalid reply means the
//! room's fallbackResult.
//!
//! A handler is reached either in-process (a function plugged in by an embedding test) or over
//! the Lambda Invoke API (`POST …/2015-03-31/functions/function/invocations` on AWS's Runtime
//! Interface Emulator), through a pool of instances that each take one invocation at a time
//! (`pool`): IVS invokes a handler concurrently and Lambda runs more environments for it, while
//! one RIE process crashes on an overlap. The wait for an idle instance counts against the
//! 200 ms, and a timed-out invocation keeps its instance until it really returns.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use ivschat_api::review::ReviewResult;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::model::{FallbackResult, ReviewRecord};
use crate::pool::InstancePool;

/// How long IVS Chat waits for a review handler (not adjustable, docs/ivs-chat.md §1.4).
pub const REVIEW_BUDGET: Duration = Duration::from_millis(200);

/// The path of the Lambda Invoke API that AWS's Runtime Interface Emulator serves: it answers
/// only this function name (`function`), and 404 to any other.
pub const RIE_INVOKE_PATH: &str = "/2015-03-31/functions/function/invocations";

/// The longest an invocation keeps its instance after the review gave up on it: Lambda's
/// longest function timeout, which the Runtime Interface Emulator enforces well before (it is
/// given the function's own timeout). Past it the instance is taken back, with a warning.
const INVOCATION_HOLD_LIMIT: Duration = Duration::from_secs(15 * 60);

/// Matches every function in a review target.
pub const ANY_FUNCTION: &str = "*";

/// What an in-process review function returns: the reply document, or a function error.
pub type ReviewFuture = Pin<Box<dyn Future<Output = Result<Value, String>> + Send>>;

/// An in-process review handler: takes the IVS request payload, returns the reply document (or
/// `Err` for a function error), exactly what a Lambda would.
#[derive(Clone)]
pub struct ReviewFunction(Arc<dyn Fn(Value) -> ReviewFuture + Send + Sync>);

impl ReviewFunction {
    /// Wraps an async closure.
    pub fn new<F, Fut>(handler: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, String>> + Send + 'static,
    {
        Self(Arc::new(move |request| Box::pin(handler(request))))
    }
}

impl fmt::Debug for ReviewFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReviewFunction(..)")
    }
}

/// Where review requests for a function (or for all of them) are sent.
#[derive(Debug, Clone)]
pub enum ReviewTarget {
    /// An in-process function (called concurrently, as Lambda scales without limit).
    InProcess(ReviewFunction),
    /// Lambda Invoke API endpoints (full invoke URLs), one invocation at a time each.
    Endpoints(Arc<InstancePool>),
}

/// Function ARN (or [`ANY_FUNCTION`]) → target; exact ARNs win over the wildcard, in-process
/// functions over endpoints.
#[derive(Debug, Default)]
pub struct ReviewRouter {
    targets: Vec<(String, ReviewTarget)>,
    http: reqwest::Client,
}

/// What review decided for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewOutcome {
    /// Deliver or not.
    pub result: ReviewResult,
    /// The content to deliver (the handler's, or the original under the fallback).
    pub content: String,
    /// The attributes to deliver.
    pub attributes: BTreeMap<String, String>,
    /// On DENY, the reason from the reply's `Attributes.Reason`.
    pub reason: Option<String>,
    /// The journal's view of it.
    pub record: ReviewRecord,
}

/// Why the handler's answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum ReviewFailure {
    /// A configuration problem: no handler for the ARN, a wrong path, nothing listening. The
    /// message names the fix.
    #[error("{0}")]
    Misconfigured(String),
    /// Every instance stayed busy until the deadline.
    #[error(
        "timed out after {} ms waiting for an idle instance (all {instances} busy; IVS would have run more, see --review-endpoint)",
        REVIEW_BUDGET.as_millis()
    )]
    NoIdleInstance { instances: usize },
    /// The handler had not answered by the deadline.
    #[error("timed out after {} ms", REVIEW_BUDGET.as_millis())]
    Timeout,
    /// The function failed, or its endpoint answered with an HTTP error other than 404.
    #[error("function error: {0}")]
    FunctionError(String),
    /// The reply breaks docs/ivs-chat.md §1.3.
    #[error("invalid reply: {0}")]
    InvalidReply(String),
}

impl ReviewFailure {
    fn unmapped(function_arn: &str) -> Self {
        Self::Misconfigured(format!(
            "no review handler is mapped for {function_arn}: start the emulator with \
             --review-endpoint '{function_arn}=http://HOST:PORT' (or '*=http://HOST:PORT' for \
             every function)"
        ))
    }

    /// Whether the failure is one of configuration, which repeats for every message until fixed.
    fn is_misconfiguration(&self) -> bool {
        matches!(self, Self::Misconfigured(_))
    }
}

/// An error with its causes, `outer: inner: innermost` (reqwest's own text omits the cause,
/// such as "Connection refused").
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The innermost cause of an error, such as "Connection refused (os error 111)".
fn root_cause(error: &dyn std::error::Error) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// One invocation over the Lambda Invoke API at `invoke_url`, to its end.
async fn invoke(
    http: &reqwest::Client,
    invoke_url: &str,
    request: &Value,
) -> Result<Value, ReviewFailure> {
    let response = http
        .post(invoke_url)
        .header("X-Amz-Invocation-Type", "RequestResponse")
        .json(request)
        .timeout(INVOCATION_HOLD_LIMIT)
        .send()
        .await
        .map_err(|error| {
            if error.is_timeout() {
                tracing::warn!(
                    instance = invoke_url,
                    "an invocation held its instance for {} s without an answer; taking the \
                     instance back",
                    INVOCATION_HOLD_LIMIT.as_secs()
                );
                ReviewFailure::Timeout
            } else if error.is_connect() {
                ReviewFailure::Misconfigured(format!(
                    "nothing accepts connections at {invoke_url} ({}): start the review handler \
                     there (under the Runtime Interface Emulator, as scripts/run-local does), or \
                     correct the URL given to --review-endpoint",
                    root_cause(&error)
                ))
            } else {
                ReviewFailure::FunctionError(format!("invoke failed: {}", with_causes(&error)))
            }
        })?;
    let status = response.status();
    let function_error = response
        .headers()
        .get("x-amz-function-error")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = response.bytes().await.map_err(|error| {
        ReviewFailure::FunctionError(format!("invoke failed: {}", with_causes(&error)))
    })?;
    if status == reqwest::StatusCode::NOT_FOUND {
        return Err(ReviewFailure::Misconfigured(format!(
            "the Lambda Invoke API at {invoke_url} answered HTTP 404 (no such function or path): \
             AWS's Runtime Interface Emulator serves only {RIE_INVOKE_PATH}, which the emulator \
             uses when --review-endpoint gives a bare http://HOST:PORT; give \
             FUNCTION=http://HOST:PORT, or the full …/invocations URL the endpoint serves"
        )));
    }
    if !status.is_success() {
        return Err(ReviewFailure::FunctionError(format!(
            "the Invoke API answered HTTP {}",
            status.as_u16()
        )));
    }
    if let Some(kind) = function_error {
        return Err(ReviewFailure::FunctionError(kind));
    }
    serde_json::from_slice(&body)
        .map_err(|error| ReviewFailure::InvalidReply(format!("the reply is not JSON: {error}")))
}

struct Reply {
    result: ReviewResult,
    content: Option<String>,
    attributes: Option<BTreeMap<String, String>>,
}

/// Checks a reply against the shape and limits of docs/ivs-chat.md §1.3.
fn parse_reply(value: &Value, maximum_length: usize) -> Result<Reply, ReviewFailure> {
    let invalid = |message: String| ReviewFailure::InvalidReply(message);
    let Value::Object(object) = value else {
        return Err(invalid("the reply must be a JSON object".into()));
    };
    if object.contains_key("errorType") && !object.contains_key("ReviewResult") {
        let message = object
            .get("errorMessage")
            .and_then(Value::as_str)
            .unwrap_or("unhandled");
        return Err(ReviewFailure::FunctionError(message.to_owned()));
    }
    let result = match object.get("ReviewResult").and_then(Value::as_str) {
        Some("ALLOW") => ReviewResult::Allow,
        Some("DENY") => ReviewResult::Deny,
        _ => return Err(invalid("ReviewResult: must be ALLOW or DENY".into())),
    };
    let content = match object.get("Content") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => return Err(invalid("Content: must be a string".into())),
    };
    if result == ReviewResult::Allow {
        match &content {
            None => return Err(invalid("Content: is required when ALLOW".into())),
            Some(text) if text.is_empty() => {
                return Err(invalid("Content: must not be empty".into()));
            }
            Some(text) if text.chars().count() > maximum_length => {
                return Err(invalid(format!(
                    "Content: must be at most {maximum_length} code points (the room's maximumMessageLength)"
                )));
            }
            Some(_) => {}
        }
    }
    let attributes = match object.get("Attributes") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => {
            let mut attributes = BTreeMap::new();
            for (key, value) in map {
                let Value::String(text) = value else {
                    return Err(invalid(format!("Attributes.{key}: must be a string")));
                };
                attributes.insert(key.clone(), text.clone());
            }
            ivschat_api::validate::attributes("Attributes", &attributes)
                .map_err(|violation| invalid(violation.to_string()))?;
            Some(attributes)
        }
        Some(_) => return Err(invalid("Attributes: must be an object of strings".into())),
    };
    Ok(Reply {
        result,
        content,
        attributes,
    })
}

/// The message under review, as the room received it.
#[derive(Debug, Clone)]
pub struct ReviewSubject<'a> {
    /// The room's review handler uri.
    pub function_arn: &'a str,
    /// What applies when review fails.
    pub fallback: FallbackResult,
    /// The room's maximumMessageLength, which rewritten content must respect.
    pub maximum_length: usize,
    /// The IVS request payload (docs/ivs-chat.md §1.2).
    pub request: Value,
    /// The content as sent.
    pub content: &'a str,
    /// The client's attributes as sent.
    pub attributes: &'a BTreeMap<String, String>,
}

impl ReviewRouter {
    /// A router over these targets.
    pub fn new(targets: Vec<(String, ReviewTarget)>) -> Self {
        Self {
            targets,
            http: reqwest::Client::new(),
        }
    }

    fn target(&self, function_arn: &str) -> Option<&ReviewTarget> {
        let rank = |(pattern, target): &&(String, ReviewTarget)| {
            let exact = if pattern == function_arn { 0 } else { 2 };
            let kind = match target {
                ReviewTarget::InProcess(_) => 0,
                ReviewTarget::Endpoints(_) => 1,
            };
            exact + kind
        };
        self.targets
            .iter()
            .filter(|(pattern, _)| pattern == function_arn || pattern == ANY_FUNCTION)
            .min_by_key(rank)
            .map(|(_, target)| target)
    }

    /// The handler's reply, by `deadline`.
    async fn call(
        &self,
        subject: &ReviewSubject<'_>,
        deadline: Instant,
    ) -> Result<Value, ReviewFailure> {
        let target = self
            .target(subject.function_arn)
            .ok_or_else(|| ReviewFailure::unmapped(subject.function_arn))?;
        match target {
            ReviewTarget::InProcess(function) => {
                match tokio::time::timeout_at(deadline, (function.0)(subject.request.clone())).await
                {
                    Ok(reply) => reply.map_err(ReviewFailure::FunctionError),
                    Err(_) => Err(ReviewFailure::Timeout),
                }
            }
            ReviewTarget::Endpoints(pool) => {
                // The wait in line counts against IVS's deadline.
                let lease = match tokio::time::timeout_at(deadline, pool.acquire()).await {
                    Ok(Some(lease)) => lease,
                    Ok(None) => {
                        return Err(ReviewFailure::FunctionError(
                            "the emulator is shutting down".to_owned(),
                        ));
                    }
                    Err(_) => {
                        return Err(ReviewFailure::NoIdleInstance {
                            instances: pool.instances(),
                        });
                    }
                };
                // The invocation runs in its own task, which keeps the instance until the
                // endpoint has answered, even after this review stops waiting for it.
                let (answer_tx, answer_rx) = oneshot::channel();
                let http = self.http.clone();
                let request = subject.request.clone();
                tokio::spawn(async move {
                    let started = Instant::now();
                    let answer = invoke(&http, lease.invoke_url(), &request).await;
                    if answer_tx.is_closed() {
                        tracing::debug!(
                            instance = lease.invoke_url(),
                            elapsed_ms = started.elapsed().as_millis(),
                            "a review that timed out has returned; its instance is idle again"
                        );
                    }
                    drop(lease);
                    let _ = answer_tx.send(answer);
                });
                match tokio::time::timeout_at(deadline, answer_rx).await {
                    Ok(Ok(answer)) => answer,
                    Ok(Err(_)) => Err(ReviewFailure::FunctionError(
                        "the invocation ended without an answer".to_owned(),
                    )),
                    Err(_) => Err(ReviewFailure::Timeout),
                }
            }
        }
    }

    /// Reviews one message within [`REVIEW_BUDGET`], applying the fallback on any failure.
    pub async fn review(&self, subject: ReviewSubject<'_>) -> ReviewOutcome {
        let started = Instant::now();
        let deadline = started + REVIEW_BUDGET;
        let answer = self
            .call(&subject, deadline)
            .await
            .and_then(|value| parse_reply(&value, subject.maximum_length));
        let latency_micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        match answer {
            Ok(reply) => {
                let reason = match reply.result {
                    ReviewResult::Deny => reply
                        .attributes
                        .as_ref()
                        .and_then(|attributes| attributes.get("Reason").cloned()),
                    ReviewResult::Allow => None,
                };
                ReviewOutcome {
                    result: reply.result,
                    content: reply.content.unwrap_or_else(|| subject.content.to_owned()),
                    attributes: reply
                        .attributes
                        .unwrap_or_else(|| subject.attributes.clone()),
                    reason,
                    record: ReviewRecord {
                        function_arn: subject.function_arn.to_owned(),
                        latency_micros,
                        result: reply.result,
                        fallback_applied: false,
                        failure: None,
                    },
                }
            }
            Err(failure) => {
                let result = match subject.fallback {
                    FallbackResult::Allow => ReviewResult::Allow,
                    FallbackResult::Deny => ReviewResult::Deny,
                };
                if failure.is_misconfiguration() {
                    tracing::error!(
                        function = subject.function_arn,
                        fallback = result.as_str(),
                        "message review cannot reach its handler, so every message gets the \
                         room's fallbackResult until this is fixed: {failure}"
                    );
                } else {
                    tracing::warn!(
                        function = subject.function_arn,
                        %failure,
                        fallback = result.as_str(),
                        "message review failed; applying the room's fallbackResult"
                    );
                }
                ReviewOutcome {
                    result,
                    content: subject.content.to_owned(),
                    attributes: subject.attributes.clone(),
                    reason: None,
                    record: ReviewRecord {
                        function_arn: subject.function_arn.to_owned(),
                        latency_micros,
                        result,
                        fallback_applied: true,
                        failure: Some(failure.to_string()),
                    },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pool_of(url: &str) -> ReviewTarget {
        ReviewTarget::Endpoints(Arc::new(InstancePool::new(vec![url.to_owned()])))
    }

    fn is_pool_of(target: Option<&ReviewTarget>, url: &str) -> bool {
        match target {
            Some(ReviewTarget::Endpoints(pool)) => {
                pool.instances() == 1 && format!("{pool:?}").contains(url)
            }
            _ => false,
        }
    }

    #[test]
    fn an_in_process_function_wins_over_an_endpoint_and_an_exact_arn_over_the_wildcard() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:review-handler";
        let in_process =
            || ReviewTarget::InProcess(ReviewFunction::new(|_| async { Ok(json!({})) }));
        // GIVEN an endpoint and an in-process function for the same ARN, and a wildcard endpoint
        let router = ReviewRouter::new(vec![
            (arn.to_owned(), pool_of("http://exact")),
            (arn.to_owned(), in_process()),
            (ANY_FUNCTION.to_owned(), pool_of("http://any")),
        ]);
        // THEN that ARN goes to the in-process function, any other to the wildcard
        assert!(matches!(
            router.target(arn),
            Some(ReviewTarget::InProcess(_))
        ));
        assert!(is_pool_of(
            router.target("arn:aws:lambda:us-east-1:123456789012:function:other"),
            "http://any"
        ));
        // GIVEN an in-process wildcard and an endpoint for the exact ARN
        let router = ReviewRouter::new(vec![
            (ANY_FUNCTION.to_owned(), in_process()),
            (arn.to_owned(), pool_of("http://exact")),
        ]);
        // THEN the exact ARN's endpoint wins over the wildcard
        assert!(is_pool_of(router.target(arn), "http://exact"));
    }

    #[test]
    fn rejects_replies_outside_the_documented_shape() {
        // GIVEN replies that break §1.3 WHEN parsed THEN each is invalid, naming the field
        let failure = |value: Value| match parse_reply(&value, 10) {
            Err(failure) => failure.to_string(),
            Ok(_) => panic!("expected a failure for {value}"),
        };
        assert!(failure(json!({"ReviewResult": "MAYBE"})).contains("ReviewResult"));
        assert!(failure(json!({"ReviewResult": "ALLOW"})).contains("Content"));
        assert!(
            failure(json!({"ReviewResult": "ALLOW", "Content": "x".repeat(11)}))
                .contains("maximumMessageLength")
        );
        assert!(
            failure(json!({"ReviewResult": "ALLOW", "Content": "x", "Attributes": {"a": 1}}))
                .contains("Attributes.a")
        );
        assert!(
            failure(json!({"errorType": "Boom", "errorMessage": "bad"}))
                .starts_with("function error")
        );
    }

    #[test]
    fn accepts_a_deny_with_only_a_reason() {
        // GIVEN a DENY with a Reason and no Content WHEN parsed THEN it is valid
        let reply = parse_reply(
            &json!({"ReviewResult": "DENY", "Attributes": {"Reason": "no"}}),
            500,
        );
        assert!(matches!(
            reply,
            Ok(Reply {
                result: ReviewResult::Deny,
                ..
            })
        ));
    }
}
