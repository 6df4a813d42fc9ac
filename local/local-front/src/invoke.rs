//! Invoking a function through the Lambda Invoke API that AWS's Runtime Interface Emulator and
//! `cargo lambda watch` serve (`POST …/2015-03-31/functions/function/invocations`).
//!
//! One invocation at a time per endpoint, as one Lambda execution environment takes them: AWS's
//! Runtime Interface Emulator crashes when a second invocation arrives while one runs
//! (aws-lambda-runtime-interface-emulator issue 97). Requests for a busy function wait in line,
//! first come, first served, and the wait counts against the function's timeout. An invocation
//! the front stops waiting for (past the timeout, or because the client went away) keeps the
//! endpoint until the function has really answered, so no overlap ever reaches it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;
use tokio::sync::{Mutex, oneshot};
use tokio::time::Instant;

/// The longest an invocation keeps its endpoint after the front gave up on it: Lambda's longest
/// function timeout, which the Runtime Interface Emulator enforces well before (it is given the
/// function's own timeout).
const INVOCATION_HOLD_LIMIT: Duration = Duration::from_secs(15 * 60);

/// Why an invocation gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// The function did not answer within its timeout (the wait in line included).
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The endpoint could not be reached or answered with an HTTP error.
    #[error("{0}")]
    Unavailable(String),
}

/// One function's Invoke API endpoint.
#[derive(Debug)]
pub struct FunctionEndpoint {
    url: String,
    timeout: Duration,
    /// Held by the invocation in flight; tokio's mutex is handed out in the order it was asked
    /// for, so waiting requests are served first come, first served.
    turn: Arc<Mutex<()>>,
}

impl FunctionEndpoint {
    /// The endpoint at `base` (`http://127.0.0.1:9001`, or a full `…/invocations` URL),
    /// waiting at most `timeout` per invocation.
    pub fn new(base: &str, timeout: Duration) -> Self {
        let base = base.trim_end_matches('/');
        let url = if base.ends_with("/invocations") {
            base.to_owned()
        } else {
            format!("{base}/2015-03-31/functions/function/invocations")
        };
        Self {
            url,
            timeout,
            turn: Arc::new(Mutex::new(())),
        }
    }

    /// The invoke URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// This endpoint, taking turns with `other` (the same instance under another function).
    pub fn sharing_turn_with(self, other: &FunctionEndpoint) -> Self {
        Self {
            turn: other.turn.clone(),
            ..self
        }
    }

    /// Invokes the function with `event`; the answer is the function's output, or its error
    /// document (`errorType`, `errorMessage`), and whether it was a function error.
    pub async fn invoke(
        &self,
        http: &reqwest::Client,
        event: &Json,
    ) -> Result<(Json, bool), InvokeError> {
        let deadline = Instant::now() + self.timeout;
        // A request that times out in line leaves it without ever reaching the function.
        let turn = tokio::time::timeout_at(deadline, self.turn.clone().lock_owned())
            .await
            .map_err(|_| InvokeError::Timeout(self.timeout))?;
        let (answer_tx, answer_rx) = oneshot::channel();
        let http = http.clone();
        let url = self.url.clone();
        let event = event.clone();
        // The invocation runs to its end in its own task, which keeps the turn until then.
        tokio::spawn(async move {
            let answer = exchange(&http, &url, &event).await;
            drop(turn);
            let _ = answer_tx.send(answer);
        });
        match tokio::time::timeout_at(deadline, answer_rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(InvokeError::Unavailable(format!(
                "{}: the invocation ended without an answer",
                self.url
            ))),
            Err(_) => Err(InvokeError::Timeout(self.timeout)),
        }
    }
}

/// One request to the Invoke API at `url`, to its end.
async fn exchange(
    http: &reqwest::Client,
    url: &str,
    event: &Json,
) -> Result<(Json, bool), InvokeError> {
    let unavailable = |error: reqwest::Error| {
        if error.is_timeout() {
            InvokeError::Unavailable(format!(
                "{url}: no answer within {} s",
                INVOCATION_HOLD_LIMIT.as_secs()
            ))
        } else {
            InvokeError::Unavailable(format!("{url}: {error}"))
        }
    };
    let response = http
        .post(url)
        .json(event)
        .timeout(INVOCATION_HOLD_LIMIT)
        .send()
        .await
        .map_err(unavailable)?;
    let function_error = response.headers().contains_key("x-amz-function-error");
    let status = response.status();
    let body = response.bytes().await.map_err(unavailable)?;
    let output: Json = serde_json::from_slice(&body).map_err(|_| {
        InvokeError::Unavailable(format!("{url}: HTTP {status}, the answer is not JSON"))
    })?;
    if !status.is_success() && !crate::event::is_function_error(&output) {
        return Err(InvokeError::Unavailable(format!("{url}: HTTP {status}")));
    }
    Ok((output, function_error || !status.is_success()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invocations_path_is_added_once() {
        let timeout = Duration::from_secs(1);
        assert_eq!(
            FunctionEndpoint::new("http://127.0.0.1:9001/", timeout).url,
            "http://127.0.0.1:9001/2015-03-31/functions/function/invocations"
        );
        assert_eq!(
            FunctionEndpoint::new("http://h/2015-03-31/functions/x/invocations", timeout).url,
            "http://h/2015-03-31/functions/x/invocations"
        );
    }
}
