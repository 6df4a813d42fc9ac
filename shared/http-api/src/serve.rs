//! The Lambda runtime loop of every HTTP function, compiled once for all of them.
//!
//! `lambda_http::run_concurrent` is generic over the handler. Called from each function's
//! `main`, it made every binary instantiate, and optimise, its own copy of the runtime client,
//! the API Gateway event types' deserialisation and the response conversion: minutes of compile
//! time per binary, the larger part of a release build of the template's functions. [`serve`] is
//! not generic: it instantiates that code once, in this crate, for one boxed handler type, and a
//! function's `main` only boxes its handler with [`handler`]. The box costs one allocation per
//! request.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use lambda_http::{Body, Error, Request, Response};

/// The response future of an [`HttpHandler`].
pub type ResponseFuture = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

/// A function's request handler, ready for [`serve`]. It never fails: every refusal and failure
/// is a response (an [`ApiError`](crate::ApiError) turned into JSON).
pub type HttpHandler = Arc<dyn Fn(Request) -> ResponseFuture + Send + Sync>;

/// Boxes `handle` (an async function of the request) into an [`HttpHandler`].
pub fn handler<F, Fut>(handle: F) -> HttpHandler
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    Arc::new(move |request| Box::pin(handle(request)))
}

/// Serves `handler` on the Lambda runtime API until the runtime stops: one invocation at a
/// time, or `AWS_LAMBDA_MAX_CONCURRENCY` at once where the platform sets it (see
/// `lambda_http::run_concurrent`). Fails only when the runtime API does.
pub async fn serve(handler: HttpHandler) -> Result<(), Error> {
    lambda_http::run_concurrent(lambda_http::service_fn(move |request: Request| {
        let response = handler(request);
        async move { Ok::<_, Error>(response.await) }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The boxed handler answers exactly what the function's own handler answers.
    #[tokio::test]
    async fn a_boxed_handler_answers_as_the_function_does() {
        let echo = handler(|request: Request| async move {
            let path = request.uri().path().to_owned();
            Response::builder()
                .status(418)
                .body(Body::from(path))
                .expect("response")
        });
        let request = http::Request::builder()
            .uri("https://example.com/rooms/abc/tokens")
            .body(Body::Empty)
            .expect("request");
        let response = echo(request).await;
        assert_eq!(response.status(), 418);
        assert_eq!(response.body(), &Body::from("/rooms/abc/tokens"));
    }
}
