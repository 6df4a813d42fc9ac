//! The Lambda glue: routes, identity or signature, body, checks, then one
//! [`Moderator::execute`] call and one audit line.
//!
//! Ban routes ([`crate::bans`]) need a moderator role for a room and an admin role
//! (`ADMIN_ROLES`) for deployment-wide bans; they go through [`BanDesk::execute`].
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
use lambda_http::{Body, Request, RequestExt, Response};
use toolkit_state::{BanScope, NonceClaim, StateTable};

use crate::actions::{ModerationAction, Moderator};
use crate::audit::{Actor, AuditRecord};
use crate::bans::{BanAction, BanDesk};
use crate::config::ModerationApiConfig;

/// `POST` with optional `{reason}`: DeleteMessage.
pub const DELETE_MESSAGE_ROUTE: &str = "/rooms/{roomId}/messages/{messageId}/delete";
/// `POST` with optional `{reason}`: DisconnectUser.
pub const DISCONNECT_USER_ROUTE: &str = "/rooms/{roomId}/users/{userId}/disconnect";
/// `POST` with `{eventName, attributes?}`: SendEvent.
pub const SEND_EVENT_ROUTE: &str = "/rooms/{roomId}/events";
/// `POST`, signed: any moderation or ban action for machine callers.
pub const WEBHOOK_ROUTE: &str = "/webhooks/moderation";
/// `POST` with `{reason?, expectedVersion?}`: ban from a room until lifted (moderators).
pub const ROOM_BAN_ROUTE: &str = "/rooms/{roomId}/users/{userId}/ban";
/// `POST` with `{durationSeconds, reason?, expectedVersion?}`: time out in a room.
pub const ROOM_TIMEOUT_ROUTE: &str = "/rooms/{roomId}/users/{userId}/timeout";
/// `POST` with `{reason?, expectedVersion?}`: lift a room ban or timeout.
pub const ROOM_UNBAN_ROUTE: &str = "/rooms/{roomId}/users/{userId}/unban";
/// `GET`: one user's active ban in a room.
pub const ROOM_BAN_GET_ROUTE: &str = "/rooms/{roomId}/bans/{userId}";
/// `GET ?limit=&nextToken=`: a page of a room's active bans.
pub const ROOM_BAN_LIST_ROUTE: &str = "/rooms/{roomId}/bans";
/// `POST` with `{reason?, expectedVersion?, roomId?}`: ban from every room (admins).
pub const DEPLOYMENT_BAN_ROUTE: &str = "/users/{userId}/ban";
/// `POST` with `{durationSeconds, reason?, expectedVersion?, roomId?}`: time out everywhere.
pub const DEPLOYMENT_TIMEOUT_ROUTE: &str = "/users/{userId}/timeout";
/// `POST` with `{reason?, expectedVersion?}`: lift a deployment-wide ban or timeout.
pub const DEPLOYMENT_UNBAN_ROUTE: &str = "/users/{userId}/unban";
/// `GET`: one user's deployment-wide ban.
pub const DEPLOYMENT_BAN_GET_ROUTE: &str = "/bans/{userId}";
/// `GET ?limit=&nextToken=`: a page of deployment-wide bans.
pub const DEPLOYMENT_BAN_LIST_ROUTE: &str = "/bans";

/// Methods of the moderator (JWT) routes that act.
pub const MODERATOR_METHODS: [Method; 2] = [Method::POST, Method::OPTIONS];
/// Methods of the routes that read bans.
pub const READ_METHODS: [Method; 2] = [Method::GET, Method::OPTIONS];
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
    Ban(BanRoute, Scope),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BanRoute {
    Ban,
    Timeout,
    Unban,
    Get,
    List,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Room,
    Deployment,
}

/// The moderation API, built once at cold start.
pub struct ModerationApi {
    config: ModerationApiConfig,
    moderator: Moderator,
    bans: BanDesk,
    clock: Box<dyn Clock>,
    routes: Vec<(RoutePattern, Route)>,
    state: Option<StateTable>,
}

impl ModerationApi {
    /// The API for `config`, calling IVS Chat through `client`, with the system clock.
    pub fn new(config: ModerationApiConfig, client: ChatClient) -> Self {
        let rooms = ManagedRooms::new(client.clone(), config.scope.clone(), config.room_cache);
        let bans = BanDesk::new(client.clone(), None);
        let moderator = Moderator::new(client, rooms, config.events.clone());
        let ban = |pattern, route, scope| (RoutePattern::new(pattern), Route::Ban(route, scope));
        Self {
            config,
            moderator,
            bans,
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
                ban(ROOM_BAN_ROUTE, BanRoute::Ban, Scope::Room),
                ban(ROOM_TIMEOUT_ROUTE, BanRoute::Timeout, Scope::Room),
                ban(ROOM_UNBAN_ROUTE, BanRoute::Unban, Scope::Room),
                ban(ROOM_BAN_GET_ROUTE, BanRoute::Get, Scope::Room),
                ban(ROOM_BAN_LIST_ROUTE, BanRoute::List, Scope::Room),
                ban(DEPLOYMENT_BAN_ROUTE, BanRoute::Ban, Scope::Deployment),
                ban(
                    DEPLOYMENT_TIMEOUT_ROUTE,
                    BanRoute::Timeout,
                    Scope::Deployment,
                ),
                ban(DEPLOYMENT_UNBAN_ROUTE, BanRoute::Unban, Scope::Deployment),
                ban(DEPLOYMENT_BAN_GET_ROUTE, BanRoute::Get, Scope::Deployment),
                ban(DEPLOYMENT_BAN_LIST_ROUTE, BanRoute::List, Scope::Deployment),
            ],
            state: None,
        }
    }

    /// The same API keeping seen webhook nonces and bans in `state` (the table
    /// `STATE_TABLE_NAME` names). Without one, every webhook and ban route is refused with
    /// 502: replay protection and bans fail closed.
    pub fn with_state_table(mut self, state: StateTable) -> Self {
        self.bans = self.bans.with_state_table(state.clone());
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
        Route::Ban(BanRoute::Get | BanRoute::List, _) => &READ_METHODS,
        _ => &MODERATOR_METHODS,
    };
    match *request.method() {
        Method::OPTIONS if route != Route::Webhook => {
            return api.config.cors.preflight(request.headers(), methods);
        }
        ref method if methods.contains(method) => {}
        _ => return ApiError::method_not_allowed(methods).into_response(),
    }
    let mut audit = AuditRecord::new(request_id(request));
    let result = match route {
        Route::Webhook => webhook(api, request, &mut audit).await,
        Route::Ban(kind, scope) => ban_route(api, request, kind, scope, params, &mut audit).await,
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

async fn ban_route(
    api: &ModerationApi,
    request: &Request,
    kind: BanRoute,
    scope: Scope,
    params: &PathParams,
    audit: &mut AuditRecord,
) -> Result<Response<Body>, ApiError> {
    let scope = match scope {
        Scope::Room => BanScope::Room(params.get("roomId").to_owned()),
        Scope::Deployment => BanScope::Deployment,
    };
    audit.room = Some(scope.room_id().unwrap_or("*").to_owned());
    audit.action = Some(match kind {
        BanRoute::Ban => "ban_user",
        BanRoute::Timeout => "timeout_user",
        BanRoute::Unban => "unban_user",
        BanRoute::Get => "get_ban",
        BanRoute::List => "list_bans",
    });
    let caller = CallerIdentity::from_request(request, &api.config.claims)?;
    audit.actor = Actor::User(caller.user_id.clone());
    let allowed = match scope {
        BanScope::Room(_) => {
            caller.has_any_role(&api.config.moderator_roles)
                || caller.has_any_role(&api.config.admin_roles)
        }
        BanScope::Deployment => caller.has_any_role(&api.config.admin_roles),
    };
    if !allowed {
        return Err(ApiError::new(
            ErrorCode::RoleNotAllowed,
            match scope {
                BanScope::Room(_) => "only moderators may do this",
                BanScope::Deployment => "only admins may ban in every room",
            },
        ));
    }
    let user_id = || params.get("userId");
    let action = match kind {
        BanRoute::Ban | BanRoute::Timeout => {
            let body = JsonObject::from_body(request.body().as_ref())?;
            BanAction::ban_from_route(scope, user_id(), kind == BanRoute::Timeout, &body)?
        }
        BanRoute::Unban => {
            let body = JsonObject::from_body(request.body().as_ref())?;
            BanAction::unban_from_route(scope, user_id(), &body)?
        }
        BanRoute::Get => BanAction::Get {
            scope,
            user_id: user_id().to_owned(),
        },
        BanRoute::List => {
            let query = request.query_string_parameters();
            BanAction::list_from_query(scope, query.first("limit"), query.first("nextToken"))?
        }
    };
    run_ban(api, &action, audit).await
}

async fn run_ban(
    api: &ModerationApi,
    action: &BanAction,
    audit: &mut AuditRecord,
) -> Result<Response<Body>, ApiError> {
    audit.action = Some(action.name());
    audit.room = Some(action.room_label().to_owned());
    // Only checked values reach the audit line.
    action.check()?;
    audit.target = Some(action.target().to_owned());
    audit.reason = action.reason().map(str::to_owned);
    let outcome = api
        .bans
        .execute(
            api.moderator.rooms(),
            &audit.actor.to_string(),
            action,
            api.clock.now(),
        )
        .await?;
    Ok(json_response(StatusCode::OK, &outcome))
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
    let fields = JsonObject::from_body(body)?;
    let action = if fields
        .optional_string("action")
        .ok()
        .flatten()
        .is_some_and(BanAction::is_webhook_action)
    {
        let action = BanAction::from_webhook(&fields)?;
        action.check()?;
        audit.action = Some(action.name());
        WebhookAction::Ban(action)
    } else {
        let action = ModerationAction::from_webhook(&fields)?;
        // Validate before anything is recorded: the audit line and the nonce only ever hold
        // checked values.
        api.moderator.check(&action)?;
        audit.action = Some(action.name());
        WebhookAction::Chat(action)
    };
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
    match &action {
        WebhookAction::Chat(action) => run(api, action, audit).await,
        WebhookAction::Ban(action) => run_ban(api, action, audit).await,
    }
}

/// What a webhook asked for.
enum WebhookAction {
    Chat(ModerationAction),
    Ban(BanAction),
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
