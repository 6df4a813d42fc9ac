//! The Lambda glue: one API Gateway HTTP API (payload v2) request in, one response out.

use std::convert::Infallible;

use http::{Method, StatusCode};
use http_api::{
    ApiError, CallerIdentity, JsonObject, ManagedRooms, RoutePattern, json_response, request_id,
    request_path,
};
use ivschat_api::ChatClient;
use lambda_http::{Body, Request, Response};
use toolkit_state::BanLookup;

use crate::config::TokenApiConfig;

use crate::token::{ChatTokenRequest, TokenIssuer};

/// The one route this function serves.
pub const TOKENS_ROUTE: &str = "/rooms/{roomId}/tokens";
/// The methods it answers (`OPTIONS` for CORS preflights).
pub const TOKENS_METHODS: [Method; 2] = [Method::POST, Method::OPTIONS];

/// The token API, built once at cold start.
pub struct TokenApi {
    config: TokenApiConfig,
    issuer: TokenIssuer,
    route: RoutePattern,
}

impl TokenApi {
    /// The API for `config`, calling IVS Chat through `client`.
    pub fn new(config: TokenApiConfig, client: ChatClient) -> Self {
        let rooms = ManagedRooms::new(client.clone(), config.scope.clone(), config.room_cache);
        let issuer = TokenIssuer::new(
            client,
            rooms,
            config.roles.clone(),
            config.max_session_minutes,
        );
        Self {
            config,
            issuer,
            route: RoutePattern::new(TOKENS_ROUTE),
        }
    }

    /// The same API consulting `bans` before minting.
    pub fn with_ban_list(mut self, bans: impl BanLookup) -> Self {
        self.issuer = self.issuer.with_ban_list(bans);
        self
    }
}

/// Handles one request. Never fails: every refusal and failure is a JSON error response.
pub async fn handle_request(
    api: &TokenApi,
    request: Request,
) -> Result<Response<Body>, Infallible> {
    let mut response = match respond(api, &request).await {
        Ok(response) => response,
        Err(error) => {
            tracing::info!(
                request_id = %request_id(&request),
                status = error.status().as_u16(),
                code = %error.code(),
                field = error.field(),
                "token request refused"
            );
            error.into_response()
        }
    };
    api.config.cors.apply(request.headers(), &mut response);
    // Every answer, the preflight's included: nothing this route says may be cached.
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

async fn respond(api: &TokenApi, request: &Request) -> Result<Response<Body>, ApiError> {
    let params = api
        .route
        .matches(&request_path(request))
        .ok_or_else(ApiError::route_not_found)?;
    match *request.method() {
        Method::POST => {}
        Method::OPTIONS => {
            return Ok(api
                .config
                .cors
                .preflight(request.headers(), &TOKENS_METHODS));
        }
        _ => return Err(ApiError::method_not_allowed(&TOKENS_METHODS)),
    }
    let caller = CallerIdentity::from_request(request, &api.config.claims)?;
    let body = JsonObject::from_body(request.body().as_ref())?;
    let asked = ChatTokenRequest::from_json(&body, api.config.max_session_minutes)?;
    let issued = api
        .issuer
        .issue(&caller, params.get("roomId"), &asked)
        .await?;
    // The token itself is never logged: `issued.token`'s Debug redacts it, and only ids and
    // grants are recorded here.
    tracing::info!(
        request_id = %request_id(request),
        room = %issued.room,
        user_id = %caller.user_id,
        capabilities = ?issued.capabilities,
        session_minutes = issued.session_duration_in_minutes,
        "chat token issued"
    );
    // `{token, tokenExpirationTime, sessionExpirationTime}`, times in RFC 3339.
    Ok(json_response(StatusCode::OK, &issued.token))
}
