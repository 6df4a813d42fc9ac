//! Admin endpoints under `/_emulator/`, a path AWS never uses, so out-of-process tests can
//! inspect state and the journal and steer faults. They need no signature.
//!
//! - `GET /_emulator/state`: rooms, logging configurations, journal and faults.
//! - `GET /_emulator/journal`: the journal only.
//! - `GET|POST|DELETE /_emulator/faults`: list, add (a FaultRule JSON or `{"spec": "..."}`), clear.
//! - `POST /_emulator/reset`: forget all resources, the journal and the faults.
//! - `POST /_emulator/rooms`: `{"id", "name"?, "tags"?}` → a room with that fixed id (fixtures).
//! - `POST /_emulator/verify-token`: `{"token": "..."}` → the verified grant, or 401.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::faults::FaultRule;
use crate::service::Service;
use crate::wire;

/// The admin routes (state is supplied by the caller).
pub fn routes() -> Router<Arc<Service>> {
    Router::new()
        .route("/_emulator/state", get(state))
        .route("/_emulator/journal", get(journal))
        .route(
            "/_emulator/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/rooms", post(create_room_with_id))
        .route("/_emulator/verify-token", post(verify_token))
        .layer(middleware::from_fn(log_admin_request))
}

/// Logs one line per admin request, like the service requests.
async fn log_admin_request(request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::info!(
        operation = "admin",
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "request"
    );
    response
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "message": message }))).into_response()
}

async fn state(State(service): State<Arc<Service>>) -> Response {
    let data = service.store.snapshot();
    let identity = service.store.identity();
    Json(json!({
        "region": identity.region,
        "accountId": identity.account_id,
        "rooms": data.rooms.values().collect::<Vec<_>>(),
        "loggingConfigurations": data.logging_configurations.values().collect::<Vec<_>>(),
        "journal": data.journal,
        "faults": service.faults.rules(),
    }))
    .into_response()
}

async fn journal(State(service): State<Arc<Service>>) -> Response {
    Json(json!({ "entries": service.store.journal() })).into_response()
}

async fn list_faults(State(service): State<Arc<Service>>) -> Response {
    Json(json!({ "faults": service.faults.rules() })).into_response()
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FaultRequest {
    Spec { spec: String },
    Rule(FaultRule),
}

async fn add_fault(State(service): State<Arc<Service>>, body: axum::body::Bytes) -> Response {
    let rule = match serde_json::from_slice::<FaultRequest>(&body) {
        Ok(FaultRequest::Spec { spec }) => FaultRule::parse(&spec),
        Ok(FaultRequest::Rule(rule)) => rule.validate().map(|()| rule),
        Err(error) => {
            return bad_request(format!(
                "body must be {{\"spec\": \"OPERATION=KIND[:COUNT]\"}} or a fault rule: {error}"
            ));
        }
    };
    match rule {
        Ok(rule) => {
            service.faults.add(rule);
            Json(json!({ "faults": service.faults.rules() })).into_response()
        }
        Err(error) => bad_request(error.to_string()),
    }
}

async fn clear_faults(State(service): State<Arc<Service>>) -> Response {
    service.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn reset(State(service): State<Arc<Service>>) -> Response {
    service.store.reset();
    service.faults.clear();
    service.persist();
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixedRoomRequest {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    tags: std::collections::BTreeMap<String, String>,
}

async fn create_room_with_id(
    State(service): State<Arc<Service>>,
    body: axum::body::Bytes,
) -> Response {
    let request = match serde_json::from_slice::<FixedRoomRequest>(&body) {
        Ok(request) => request,
        Err(error) => {
            return bad_request(format!(
                "body must be {{\"id\": \"12 letters or digits\", \"name\"?: \"...\", \"tags\"?: {{...}}}}: {error}"
            ));
        }
    };
    match service.create_room_with_id(&request.id, &request.name, request.tags) {
        Ok(room) => (StatusCode::CREATED, Json(room)).into_response(),
        Err(error) => error.into_response(),
    }
}

#[derive(Deserialize)]
struct VerifyTokenRequest {
    token: String,
}

async fn verify_token(State(service): State<Arc<Service>>, body: axum::body::Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<VerifyTokenRequest>(&body) else {
        return bad_request("body must be {\"token\": \"...\"}".into());
    };
    match service
        .tokens
        .verify(&request.token, OffsetDateTime::now_utc())
    {
        Ok(token) => Json(json!({
            "roomArn": token.room_arn,
            "userId": token.user_id,
            "capabilities": token.capabilities,
            "attributes": token.attributes,
            "tokenId": token.token_id,
            "tokenExpirationTime": wire::timestamp(token.token_expiration_time),
            "sessionExpirationTime": wire::timestamp(token.session_expiration_time),
        }))
        .into_response(),
        Err(error) => (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "message": error.to_string() })),
        )
            .into_response(),
    }
}
