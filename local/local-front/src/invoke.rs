//! Invoking a function through the Lambda Invoke API that AWS's Runtime Interface Emulator and
//! `cargo lambda watch` serve (`POST …/2015-03-31/functions/function/invocations`). One
//! invocation at a time per function, as one Lambda execution environment takes them.

use std::time::Duration;

use serde_json::Value as Json;
use tokio::sync::Mutex;

/// Why an invocation gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// The function did not answer within its timeout.
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
    turn: Mutex<()>,
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
            turn: Mutex::new(()),
        }
    }

    /// Invokes the function with `event`; the answer is the function's output, or its error
    /// document (`errorType`, `errorMessage`).
    pub async fn invoke(
        &self,
        http: &reqwest::Client,
        event: &Json,
    ) -> Result<(Json, bool), InvokeError> {
        let _turn = self.turn.lock().await;
        let response = http
            .post(&self.url)
            .json(event)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    InvokeError::Timeout(self.timeout)
                } else {
                    InvokeError::Unavailable(format!("{}: {e}", self.url))
                }
            })?;
        let function_error = response.headers().contains_key("x-amz-function-error");
        let status = response.status();
        let body = response.bytes().await.map_err(|e| {
            if e.is_timeout() {
                InvokeError::Timeout(self.timeout)
            } else {
                InvokeError::Unavailable(e.to_string())
            }
        })?;
        let output: Json = serde_json::from_slice(&body).map_err(|_| {
            InvokeError::Unavailable(format!(
                "{}: HTTP {status}, the answer is not JSON",
                self.url
            ))
        })?;
        if !status.is_success() && !crate::event::is_function_error(&output) {
            return Err(InvokeError::Unavailable(format!(
                "{}: HTTP {status}",
                self.url
            )));
        }
        Ok((output, function_error || !status.is_success()))
    }
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
