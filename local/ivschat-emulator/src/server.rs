//! The HTTP side: authentication, routing, fault injection and request logging around the
//! operations, with the admin endpoints mounted in front.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

use crate::arn::{ResourceArn, new_id};
use crate::error::ApiError;
use crate::faults::InjectedError;
use crate::messaging;
use crate::operations::{self, OperationContext, Reply};
use crate::request::JsonObject;
use crate::routing::{self, Operation, Route};
use crate::service::Service;
use crate::sigv4::{self, SignedRequest};

/// Largest request body accepted (the service's bodies are a few KB at most).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole HTTP app: `admin_routes` (the admin endpoints under `/_emulator/`, which the caller
/// supplies so this module need not know them) first, everything else is the service API.
pub fn router(admin_routes: Router<Arc<Service>>, service: Arc<Service>) -> Router {
    admin_routes.fallback(serve_api).with_state(service)
}

fn reply_response(reply: Reply) -> Response {
    match reply.body {
        None => reply.status.into_response(),
        Some(body) => (reply.status, axum::Json(body)).into_response(),
    }
}

/// The resource a throttle names: the room or configuration in the request, else the account.
fn throttled_resource_id(route: &Route, body: &[u8], account_id: &str) -> String {
    let named = route.resource_arn.clone().or_else(|| {
        let request = JsonObject::parse(body).ok()?;
        ["roomIdentifier", "identifier"]
            .iter()
            .find_map(|member| request.optional_string(member).ok().flatten())
    });
    named
        .as_deref()
        .and_then(ResourceArn::parse)
        .map(|arn| arn.id)
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| account_id.to_owned())
}

/// Authenticates, routes, applies faults to and executes one service API request.
async fn handle(
    service: &Service,
    method: &str,
    raw_path: &str,
    raw_query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (Option<Operation>, Response) {
    let signed = SignedRequest {
        method,
        raw_path,
        raw_query,
        headers,
        body,
    };
    if let Err(error) = sigv4::authenticate(&service.auth, &signed, OffsetDateTime::now_utc()) {
        return (None, error.into_response());
    }
    let Some(route) = routing::resolve(method, raw_path) else {
        return (
            None,
            ApiError::unknown_operation(method, raw_path).into_response(),
        );
    };
    let operation = route.operation;
    let outcome = service.faults.decide(operation);
    if !outcome.delay.is_zero() {
        tokio::time::sleep(outcome.delay).await;
    }
    if let Some(injected) = outcome.error {
        let error = match injected {
            InjectedError::Throttle => ApiError::Throttling {
                message: format!("Rate exceeded for {} (injected fault)", operation.name()),
                resource_id: throttled_resource_id(
                    &route,
                    body,
                    &service.store.identity().account_id,
                ),
                limit: operation.rate_limit_per_second(),
            },
            InjectedError::InternalError => ApiError::InternalServer {
                message: format!("internal error in {} (injected fault)", operation.name()),
            },
        };
        return (Some(operation), error.into_response());
    }
    let context = OperationContext {
        clock: &service.clock,
        store: &service.store,
        tokens: &service.tokens,
        pages: &service.pages,
    };
    match operations::execute(&context, &route, raw_query, body) {
        Ok(mut reply) => {
            if reply.changed_state {
                service.persist();
            }
            if let Some(effect) = reply.live.take() {
                messaging::apply_live_effect(service, effect);
            }
            (Some(operation), reply_response(reply))
        }
        Err(error) => (Some(operation), error.into_response()),
    }
}

/// Serves one service API request and logs it.
async fn serve_api(State(service): State<Arc<Service>>, request: Request<Body>) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let raw_path = request.uri().path().to_owned();
    let raw_query = request.uri().query().unwrap_or_default().to_owned();
    let (parts, body) = request.into_parts();
    let (operation, mut response) = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => {
            handle(
                &service,
                &method,
                &raw_path,
                &raw_query,
                &parts.headers,
                &bytes,
            )
            .await
        }
        Err(_) => (
            None,
            ApiError::other_validation(format!(
                "request body is unreadable or larger than {MAX_BODY_BYTES} bytes"
            ))
            .into_response(),
        ),
    };
    let request_id = new_id();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
    if response.status() == StatusCode::NO_CONTENT {
        response.headers_mut().remove(header::CONTENT_TYPE);
    }
    let error_type = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-");
    tracing::info!(
        operation = operation.map_or("-", Operation::name),
        method = %method,
        path = %raw_path,
        status = response.status().as_u16(),
        error = error_type,
        elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        request_id = %request_id,
        "request"
    );
    response
}
