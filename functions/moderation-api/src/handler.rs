//! The Lambda glue: one route table, then for every request the same steps: the caller
//! (verified claims, or the webhook's signature), the action ([`ModeratorAction`], from the
//! route or the webhook body), authorised once ([`authorise`]), for a webhook its nonce claimed,
//! carried out by the one executor ([`ActionExecutor::execute`]), and one audit line
//! ([`AuditRecord`]) whatever the outcome (a CORS preflight is not an action and writes none).
//!
//! A webhook is refused, in this order: body over 16 KiB (413); missing, malformed, stale or
//! wrong signature (401); bad body (400/413); an action that breaks a rule (400/403); a nonce
//! already seen inside the signature window (409 `ReplayDetected`; the state table holds seen
//! nonces across every instance). Only then is IVS Chat called or the state table written.

use std::convert::Infallible;

use http::{Method, StatusCode};
use http_api::{
    ApiError, CallerIdentity, Clock, ErrorCode, JsonObject, ManagedRooms, PathParams, RoutePattern,
    SignatureError, SystemClock, WebhookRequest, json_response, request_id, request_path,
};
use ivschat_api::ChatClient;
use lambda_http::{Body, Request, RequestExt, Response};
use toolkit_state::{BanScope, NonceClaim, StateTable};

use crate::action::{ActionName, ModeratorAction};
use crate::audit::{Actor, AuditRecord};
use crate::authorise::{AuthorisedAction, Caller, authorise};
use crate::config::ModerationApiConfig;
use crate::executor::ActionExecutor;

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

/// What a path serves: the signed webhook, or one action in a room or in every room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Webhook,
    Action(ActionName, Scope),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Room,
    Deployment,
}

/// The moderation API, built once at cold start.
pub struct ModerationApi {
    config: ModerationApiConfig,
    executor: ActionExecutor,
    clock: Box<dyn Clock>,
    routes: Vec<(RoutePattern, Route)>,
    state: Option<StateTable>,
}

impl ModerationApi {
    /// The API for `config`, calling IVS Chat through `client`, with the system clock.
    pub fn new(config: ModerationApiConfig, client: ChatClient) -> Self {
        let rooms = ManagedRooms::new(client.clone(), config.scope.clone(), config.room_cache);
        let executor = ActionExecutor::new(client, rooms, None);
        let action =
            |pattern, name, scope| (RoutePattern::new(pattern), Route::Action(name, scope));
        Self {
            config,
            executor,
            clock: Box::new(SystemClock),
            routes: vec![
                action(DELETE_MESSAGE_ROUTE, ActionName::DeleteMessage, Scope::Room),
                action(
                    DISCONNECT_USER_ROUTE,
                    ActionName::DisconnectUser,
                    Scope::Room,
                ),
                action(SEND_EVENT_ROUTE, ActionName::SendEvent, Scope::Room),
                (RoutePattern::new(WEBHOOK_ROUTE), Route::Webhook),
                action(ROOM_BAN_ROUTE, ActionName::BanUser, Scope::Room),
                action(ROOM_TIMEOUT_ROUTE, ActionName::TimeoutUser, Scope::Room),
                action(ROOM_UNBAN_ROUTE, ActionName::UnbanUser, Scope::Room),
                action(ROOM_BAN_GET_ROUTE, ActionName::GetBan, Scope::Room),
                action(ROOM_BAN_LIST_ROUTE, ActionName::ListBans, Scope::Room),
                action(DEPLOYMENT_BAN_ROUTE, ActionName::BanUser, Scope::Deployment),
                action(
                    DEPLOYMENT_TIMEOUT_ROUTE,
                    ActionName::TimeoutUser,
                    Scope::Deployment,
                ),
                action(
                    DEPLOYMENT_UNBAN_ROUTE,
                    ActionName::UnbanUser,
                    Scope::Deployment,
                ),
                action(
                    DEPLOYMENT_BAN_GET_ROUTE,
                    ActionName::GetBan,
                    Scope::Deployment,
                ),
                action(
                    DEPLOYMENT_BAN_LIST_ROUTE,
                    ActionName::ListBans,
                    Scope::Deployment,
                ),
            ],
            state: None,
        }
    }

    /// The same API keeping seen webhook nonces and bans in `state` (the table
    /// `STATE_TABLE_NAME` names). Without one, every webhook and ban route is refused with
    /// 502: replay protection and bans fail closed.
    pub fn with_state_table(mut self, state: StateTable) -> Self {
        self.executor = self.executor.with_state_table(state.clone());
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
        Route::Action(ActionName::GetBan | ActionName::ListBans, _) => &READ_METHODS,
        Route::Action(..) => &MODERATOR_METHODS,
    };
    let mut audit = AuditRecord::new(request_id(request));
    if let Route::Action(name, scope) = route {
        audit.action = Some(name.as_str());
        audit.room = Some(match scope {
            Scope::Room => params.get("roomId").to_owned(),
            Scope::Deployment => "*".to_owned(),
        });
    }
    let result = match *request.method() {
        // A preflight asks what the browser may send; it acts on nothing.
        Method::OPTIONS if route != Route::Webhook => {
            return api.config.cors.preflight(request.headers(), methods);
        }
        ref method if methods.contains(method) => match route {
            Route::Webhook => webhook(api, request, &mut audit).await,
            Route::Action(name, scope) => {
                action_route(api, request, name, scope, params, &mut audit).await
            }
        },
        _ => Err(ApiError::method_not_allowed(methods)),
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

/// A moderator's or an admin's request (verified JWT claims).
async fn action_route(
    api: &ModerationApi,
    request: &Request,
    name: ActionName,
    scope: Scope,
    params: &PathParams,
    audit: &mut AuditRecord,
) -> Result<Response<Body>, ApiError> {
    let caller = Caller::User(CallerIdentity::from_request(request, &api.config.claims)?);
    audit.actor = caller.actor();
    let scope = match scope {
        Scope::Room => BanScope::Room(params.get("roomId").to_owned()),
        Scope::Deployment => BanScope::Deployment,
    };
    let body = if matches!(name, ActionName::GetBan | ActionName::ListBans) {
        JsonObject::from_body(b"{}")?
    } else {
        JsonObject::from_body(request.body().as_ref())?
    };
    let query = request.query_string_parameters();
    let action = ModeratorAction::from_route(
        name,
        scope,
        &|param| params.get(param).to_owned(),
        &body,
        &|key| query.first(key).map(str::to_owned),
    )?;
    let authorised = authorise(action, &caller, &api.config)?;
    execute(api, &authorised, audit).await
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
    let action = ModeratorAction::from_webhook(&fields)?;
    audit.action = Some(action.name().as_str());
    audit.room = Some(action.room_label().to_owned());
    // Authorised before anything is recorded: the nonce and the audit line only ever hold
    // checked values.
    let authorised = authorise(action, &Caller::Webhook, &api.config)?;
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
    execute(api, &authorised, audit).await
}

/// Carries out an authorised action; the audit line learns its target and reason (checked
/// values only: a refused argument is named by the error code, never copied).
async fn execute(
    api: &ModerationApi,
    authorised: &AuthorisedAction,
    audit: &mut AuditRecord,
) -> Result<Response<Body>, ApiError> {
    audit.describe(authorised);
    let outcome = api.executor.execute(authorised, api.clock.now()).await?;
    Ok(json_response(StatusCode::OK, &outcome))
}
