//! The Lambda runtime loop of the event-driven functions (schedules, EventBridge, CloudWatch Logs
//! subscriptions), compiled once for all of them.
//!
//! `lambda_runtime::run_concurrent` is generic over the handler and the event type. Called from
//! each function's `main`, it made every binary instantiate, and optimise, its own copy of the
//! runtime client: two to three CPU-minutes per binary in a release build. [`serve_events`] is not
//! generic: it runs one boxed handler type over the event's JSON text, instantiated once in this
//! crate. [`event_handler`] adapts a function's typed handler to it; only the parsing of the
//! function's own event type and the writing of its answer are compiled per binary. The event is
//! parsed from the same text the runtime received (types that borrow from it, such as the
//! CloudWatch Logs event, work as before); an event that does not match the function's type
//! fails the invocation with a message naming the type and the field.
//!
//! The review handler does not use this: it is on IVS's 200 ms path, and keeps its typed loop.

use std::any::type_name;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use lambda_runtime::{Diagnostic, Error, LambdaEvent};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

/// The answer future of an [`EventHandler`].
pub type AnswerFuture = Pin<Box<dyn Future<Output = Result<Value, Diagnostic>> + Send>>;

/// A function's event handler, ready for [`serve_events`]: the event's JSON text in, the answer
/// as JSON out, a failure as the runtime's `{errorType, errorMessage}`.
pub type EventHandler = Arc<dyn Fn(Box<RawValue>) -> AnswerFuture + Send + Sync>;

/// Adapts `handle`, an async function of the function's own event type `E`, to an
/// [`EventHandler`]: the event is converted from JSON (a mismatch fails the invocation with
/// `errorType` `EventMismatch`), the answer to JSON, and the handler's error to its
/// [`Diagnostic`].
pub fn event_handler<E, A, X, F, Fut>(handle: F) -> EventHandler
where
    E: DeserializeOwned + Send + 'static,
    A: Serialize + 'static,
    X: Into<Diagnostic> + 'static,
    F: Fn(E) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<A, X>> + Send + 'static,
{
    let handle = Arc::new(handle);
    Arc::new(move |event: Box<RawValue>| {
        let handle = Arc::clone(&handle);
        Box::pin(async move {
            let event: E = serde_json::from_str(event.get()).map_err(|error| Diagnostic {
                error_type: "EventMismatch".to_owned(),
                error_message: format!("the event is not a {}: {error}", type_name::<E>()),
            })?;
            let answer = handle(event).await.map_err(Into::into)?;
            serde_json::to_value(answer).map_err(|error| Diagnostic {
                error_type: "AnswerNotJson".to_owned(),
                error_message: format!("the answer could not be written as JSON: {error}"),
            })
        })
    })
}

/// Serves `handler` on the Lambda runtime API until the runtime stops: one invocation at a
/// time, or `AWS_LAMBDA_MAX_CONCURRENCY` at once where the platform sets it (see
/// `lambda_runtime::run_concurrent`). Fails only when the runtime API does.
pub async fn serve_events(handler: EventHandler) -> Result<(), Error> {
    lambda_runtime::run_concurrent(lambda_runtime::service_fn(
        move |event: LambdaEvent<Box<RawValue>>| handler(event.payload),
    ))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Run {
        dry_run: bool,
    }

    #[derive(Debug)]
    struct Refused;

    impl From<Refused> for Diagnostic {
        fn from(_: Refused) -> Diagnostic {
            Diagnostic {
                error_type: "Refused".to_owned(),
                error_message: "refused".to_owned(),
            }
        }
    }

    fn raw(event: Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(&event).expect("JSON")
    }

    /// An event whose field is read as a borrowed string, as the CloudWatch Logs event reads
    /// its compressed `data`: it parses only from the JSON text, not from a [`Value`].
    #[derive(Debug, Deserialize)]
    struct Compressed {
        #[serde(deserialize_with = "borrowed_text")]
        data: String,
    }

    fn borrowed_text<'de, D: serde::Deserializer<'de>>(text: D) -> Result<String, D::Error> {
        let text: &str = Deserialize::deserialize(text)?;
        Ok(text.to_owned())
    }

    #[tokio::test]
    async fn an_event_type_that_borrows_from_the_text_is_parsed() {
        let echo = event_handler(|event: Compressed| async move { Ok::<_, Refused>(event.data) });
        let answer = echo(raw(serde_json::json!({"data": "H4sIAAAA"})))
            .await
            .expect("answered");
        assert_eq!(answer, Value::from("H4sIAAAA"));
    }

    fn handler() -> EventHandler {
        event_handler(|run: Run| async move {
            if run.dry_run {
                Ok(serde_json::json!({"planned": true}))
            } else {
                Err(Refused)
            }
        })
    }

    #[tokio::test]
    async fn a_matching_event_reaches_the_handler_and_its_answer_comes_back_as_json() {
        let answer = handler()(raw(serde_json::json!({"dry_run": true})))
            .await
            .expect("answered");
        assert_eq!(answer, serde_json::json!({"planned": true}));
    }

    #[tokio::test]
    async fn the_handlers_own_error_keeps_its_diagnostic() {
        let error = handler()(raw(serde_json::json!({"dry_run": false})))
            .await
            .expect_err("refused");
        assert_eq!(error.error_type, "Refused");
    }

    #[tokio::test]
    async fn an_event_of_another_shape_fails_naming_the_type_and_the_field() {
        let error = handler()(raw(serde_json::json!({"dry_rn": true})))
            .await
            .expect_err("mismatch");
        assert_eq!(error.error_type, "EventMismatch");
        assert!(
            error.error_message.contains("Run"),
            "{}",
            error.error_message
        );
        assert!(
            error.error_message.contains("dry_rn"),
            "{}",
            error.error_message
        );
    }
}
