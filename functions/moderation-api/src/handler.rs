//! The Lambda glue: routes, identity or signature, body, checks, then one
//! [`Moderator::execute`] call and one audit line.
//!
//! A webhook is refused, in this order: body over 16 KiB (413); missing, malformed, stale or
//! wrong signature (401); bad body (400/413); an action that breaks a rule (400/403); a nonce
//! already seen inside the signature window (409 `ReplayDetected`; the state table holds seen
//! nonces across every instance). Only then is IVS Chat called.

use std::convert::Infallible;

use http::{Method, StatusCode};
use http_api::{
    ApiError, CallerIdentity, Clock, ErrorCode, JsonObject, ManagedRooms, PathParams, RoutePattern,
    SignatureError, SystemClock, WebhookRequest, json_response, request_id, request_path,
};
use ivschat_api::ChatClient;
use lambda_http::{Body, Request, Response};
use toolkit_state::{NonceClaim, StateTable};

use crate::actions::{ModerationAction, Moderator};
use crate::audit::{Actor, AuditRecord};
use crate::config::ModerationApiConfig;

/// `POST` with optional `{reason}`: DeleteMessage.
pub const DELETE_MESSAGE_ROUTE: &str = "/rooms/{roomId}/messages/{messageId}/delete";
/// `POST` with optional `{reason}`: DisconnectUser.
pub const DISCONNECT_USER_ROUTE: &str = "/rooms/{roomId}/users/{userId}/disconnect";
/// `POST` with `{eventName, attributes?}`: SendEvent.
pub const SEND_EVENT_ROUTE: &str = "/rooms/{roomId}/events";
/// `POST`, signed: any of the three for machine callers.
pub const WEBHOOK_ROUTE: &str = "/webhooks/moderation";

/// Methods of the moderator (JWT) routes.
pub const MODERATOR_METHODS: [Method; 2] = [Method::POST, Method::OPTIONS];
/// Methods of the webhook route (no browsers, so no preflight).
pub const WEBHOOK_METHODS: [Method; 1] = [Method::POST];
/// The state table scope of seen webhook nonces.
pub const WEBHOOK_NONCE_SCOPE: &str = "moderation-webhook";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    DeleteMessage,
    DisconnectUser,
    SendEvent,
    Webhook,
}

/// The moderation API, built once at cold start.
pub struct ModerationApi {
    config: ModerationApiConfig,
    moderator: Moderator,
    clock: Box<dyn Clock>,
    routes: Vec<(RoutePattern, Route)>,
    state: Option<StateTable>,
}

impl ModerationApi {
    /// The API for `config`, calling IVS Chat through `client`, with the system clock.
    pub fn new(config: ModerationApiConfig, client: ChatClient) -> Self {
        let rooms = ManagedRooms::new(client.clone(), config.scope.clone(), config.room_cache);
        let moderator = Moderator::new(client, rooms, config.events.clone());
        Self {
            config,
            moderator,
            clock: Box::new(SystemClock),
            routes: vec![
                (
                    RoutePattern::new(DELETE_MESSAGE_ROUTE),
                    Route::DeleteMessage,
                ),
                (
                    RoutePattern::new(DISCONNECT_USER_ROUTE),
                    Route::DisconnectUser,
                ),
                (RoutePattern::new(SEND_EVENT_ROUTE), Route::SendEvent),
                (RoutePattern::new(WEBHOOK_ROUTE), Route::Webhook),
            ],
            state: None,
        }
    }

    /// The same API keeping seen webhook nonces in `state` (the table `STATE_TABLE_NAME`
    /// names). Without one, every webhook is refused with 502: replay protection fails closed.
    pub fn with_state_table(mut self, state: StateTable) -> Self {
        self.state = Some(state);
        self
    }

    /// The same API judging webhook timestamps by `clock` (tests use a fixed one to check
    /// fixtures signed at a fixed time).
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }
}

/// Handles one request. Never fails: every refusal and failure is a JSON error response.
pub async fn handle_request(
    api: &ModerationApi,
    request: Request,
) -> Result<Response<Body>, Infallible> {
    let path = request_path(&request);
    let matched = api
        .routes
        .iter()
        .find_map(|(pattern, route)| pattern.matches(&path).map(|params| (*route, params)));
    let response = match matched {
        None => ApiError::route_not_found().into_response(),
        // Machine callers only: browsers get no CORS permission to read webhook answers.
        Some((Route::Webhook, params)) => respond(api, &request, Route::Webhook, &params).await,
        Some((route, params)) => {
            let mut response = respond(api, &request, route, &params).await;
            api.config.cors.apply(request.headers(), &mut response);
            response
        }
    };
    Ok(response)
}

async fn respond(
    api: &ModerationApi,
    request: &Request,
    route: Route,
    params: &PathParams,
) -> Response<Body> {
    let methods: &[Method] = match route {
        Route::Webhook => &WEBHOOK_METHODS,
        _ => &MODERATOR_METHODS,
    };
    match *request.method() {
        Method::POST => {}
        Method::OPTIONS if route != Route::Webhook => {
            return api.config.cors.preflight(request.headers(), methods);
        }
        _ => return ApiError::method_not_allowed(methods).into_response(),
    }
    let mut audit = AuditRecord::new(request_id(request));
    let result = match route {
        Route::Webhook => webhook(api, request, &mut audit).await,
        _ => moderator_route(api, request, route, params, &mut audit).await,
    };
    match result {
        Ok(response) => {
            audit.write(response.status().as_u16(), None);
            response
        }
        Err(error) => {
            audit.write(error.status().as_u16(), Some(error.code().as_str()));
            error.into_response()
        }
    }
}

async fn moderator_route(
    api: &ModerationApi,
    request: &Request,
    route: Route,
    params: &PathParams,
    audit: &mut AuditRecord,
) -> Result<Response<Body>, ApiError> {
    let room_id = params.get("roomId");
    audit.room = Some(room_id.to_owned());
    audit.action = Some(match route {
        Route::DeleteMessage => "delete_message",
        Route::DisconnectUser => "disconnect_user",
        _ => "send_event",
    });
    let caller = CallerIdentity::from_request(request, &api.config.claims)?;
    audit.actor = Actor::User(caller.user_id.clone());
    if !caller.has_any_role(&api.config.moderator_roles) {
        return Err(ApiError::new(
            ErrorCode::RoleNotAllowed,
            "only moderators may do this",
        ));
    }
    let body = JsonObject::from_body(request.body().as_ref())?;
    let action = match route {
        Route::DeleteMessage => {
            ModerationAction::delete_message(room_id, params.get("messageId"), &body)?
        }
        Route::DisconnectUser => {
            ModerationAction::disconnect_user(room_id, params.get("userId"), &body)?
        }
        _ => ModerationAction::send_event(room_id, &body)?,
    };
    run(api, &action, audit).await
}

async fn webhook(
    api: &ModerationApi,
    request: &Request,
    audit: &mut AuditRecord,
) -> Result<Response<Body>, ApiError> {
    let Some(secret) = &api.config.webhook_secret else {
        return Err(ApiError::route_not_found());
    };
    let body = request.body().as_ref();
    let path = request_path(request);
    let now = api.clock.now();
    let signed = WebhookRequest {
        method: request.method().as_str(),
        path: &path,
        headers: request.headers(),
        body,
    };
    let verified = secret
        .verify(&signed, now, api.config.legacy_signatures)
        .map_err(|error| match error {
            SignatureError::BodyTooLarge => {
                ApiError::new(ErrorCode::PayloadTooLarge, error.to_string()).with_field("body")
            }
            other => ApiError::new(ErrorCode::InvalidSignature, other.to_string()),
        })?;
    audit.actor = Actor::Webhook;
    let action = ModerationAction::from_webhook(&JsonObject::from_body(body)?)?;
    // Validate before anything is recorded: the audit line and the nonce only ever hold
    // checked values.
    api.moderator.check(&action)?;
    audit.action = Some(action.name());
    let Some(state) = &api.state else {
        tracing::error!("webhook refused: no state table for replay protection");
        return Err(ApiError::upstream_failure());
    };
    match state
        .claim_nonce(
            WEBHOOK_NONCE_SCOPE,
            &verified.replay_key,
            verified.remember_until,
            now,
        )
        .await
    {
        Ok(NonceClaim::Fresh) => {}
        Ok(NonceClaim::Replayed) => {
            return Err(ApiError::new(
                ErrorCode::ReplayDetected,
                "this signed request was already received; sign every request with a new X-Signature-Nonce",
            ));
        }
        Err(error) => {
            tracing::warn!(%error, "webhook refused: the state table did not answer");
            return Err(ApiError::upstream_failure());
        }
    }
    run(api, &action, audit).await
}

async fn run(
    api: &ModerationApi,
    action: &ModerationAction,
    audit: &mut AuditRecord,
) -> Result<Response<Body>, ApiError> {
    audit.action = Some(action.name());
    audit.room = Some(action.room_id().to_owned());
    // Only checked values reach the audit line: a refused argument is named by the error code,
    // never copied.
    api.moderator.check(action)?;
    audit.target = Some(action.target().to_owned());
    audit.reason = action.reason().map(str::to_owned);
    let outcome = api
        .moderator
        .execute(&audit.actor.to_string(), action)
        .await?;
    Ok(json_response(StatusCode::OK, &outcome))
}
