//! The front's HTTP server: every request matched to a route of the template, checked by the
//! route's JWT authorizer, turned into the payload 2.0 event, sent to the function's Invoke API
//! and answered from its output, with the HTTP API's CORS configuration applied; plus the demo
//! page and its helpers under `/_local/`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value as Json, json};

use crate::authorizer::{IssuerKeys, Rejection, authorize};
use crate::event::{
    GatewayResponse, IncomingRequest, build_event, is_function_error, response_from_output,
};
use crate::invoke::{FunctionEndpoint, InvokeError};
use crate::routes::RouteTable;
use crate::template::{CorsConfiguration, JwtAuthorizer, Template};

/// The largest request body an HTTP API accepts (10 MB).
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// The HTTP API integration timeout (30 s).
const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the front could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrontError {
    /// A routed function has no Invoke API endpoint.
    #[error("--function {0}=URL: the function serves routes of the HTTP API but has no endpoint")]
    NoEndpoint(String),
    /// An endpoint names a function the template does not declare.
    #[error("--function {0}: the template declares no such function")]
    UnknownFunction(String),
}

/// What the front is built from.
#[derive(Debug, Clone)]
pub struct FrontConfig {
    /// The template, resolved.
    pub template: Template,
    /// Invoke API base URL of each function, by logical id.
    pub functions: BTreeMap<String, String>,
    /// The account id in `requestContext`.
    pub account_id: String,
    /// The port the front listens on (for `x-forwarded-port`).
    pub port: u16,
    /// The IVS Chat emulator's control plane, for the page's rooms and review latencies.
    pub emulator_url: Option<String>,
    /// The emulator's messaging WebSocket URL, for the page.
    pub messaging_url: Option<String>,
    /// The identity provider's URL, for the page.
    pub idp_url: Option<String>,
    /// Print one line per request on stdout.
    pub log_requests: bool,
}

/// The front, ready to serve.
#[derive(Debug)]
pub struct Front {
    config: FrontConfig,
    routes: RouteTable,
    keys: BTreeMap<String, IssuerKeys>,
    endpoints: BTreeMap<String, FunctionEndpoint>,
    http: reqwest::Client,
    invocations: AtomicU64,
    requests: AtomicU64,
}

impl Front {
    /// Builds the front; every function that serves a route needs an endpoint.
    pub fn new(config: FrontConfig) -> Result<Self, FrontError> {
        let http = reqwest::Client::new();
        for name in config.functions.keys() {
            if config.template.function(name).is_none() {
                return Err(FrontError::UnknownFunction(name.clone()));
            }
        }
        let mut endpoints = BTreeMap::new();
        for route in &config.template.routes {
            if endpoints.contains_key(&route.function) {
                continue;
            }
            let base = config
                .functions
                .get(&route.function)
                .ok_or_else(|| FrontError::NoEndpoint(route.function.clone()))?;
            let timeout = config
                .template
                .function(&route.function)
                .map_or(INTEGRATION_TIMEOUT, |f| {
                    Duration::from_secs(f.timeout_seconds)
                })
                .min(INTEGRATION_TIMEOUT);
            let mut endpoint = FunctionEndpoint::new(base, timeout);
            // Two functions at one URL are one instance: they share its one-at-a-time turn.
            if let Some(same_instance) = endpoints
                .values()
                .find(|other: &&FunctionEndpoint| other.url() == endpoint.url())
            {
                endpoint = endpoint.sharing_turn_with(same_instance);
            }
            endpoints.insert(route.function.clone(), endpoint);
        }
        let keys = config
            .template
            .authorizers
            .values()
            .map(|a| (a.issuer.clone(), IssuerKeys::new(&a.issuer, http.clone())))
            .collect();
        Ok(Self {
            routes: RouteTable::new(&config.template.routes),
            config,
            keys,
            endpoints,
            http,
            invocations: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        })
    }

    /// How many times the front invoked a function (tests check that refused requests never
    /// reach one).
    pub fn invocations(&self) -> u64 {
        self.invocations.load(Ordering::Relaxed)
    }

    /// Serves the front on `listener` until `shutdown` completes.
    pub async fn serve(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(
            listener,
            self.router()
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }

    /// The HTTP routes: the page, `/_local/…`, and every API route as a fallback.
    fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/", get(page_index))
            .route("/_local/app.js", get(page_script))
            .route("/_local/style.css", get(page_style))
            .route("/_local/config", get(page_config))
            .route("/favicon.ico", get(no_icon))
            .route("/_local/reviews/{message_id}", get(review_of))
            .fallback(gateway)
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(self)
    }

    fn log(&self, line: std::fmt::Arguments<'_>) {
        if self.config.log_requests {
            println!("{line}");
        }
    }

    async fn handle(&self, request: ApiRequest<'_>) -> (GatewayResponse, String) {
        let origin = request
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(cors) = &self.config.template.cors
            && request.method == Method::OPTIONS
            && origin.is_some()
            && request
                .headers
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            return (
                preflight(cors, origin.as_deref()),
                "CORS preflight".to_owned(),
            );
        }
        let (mut response, note) = self.route(&request).await;
        if let Some(cors) = &self.config.template.cors {
            apply_cors(cors, origin.as_deref(), &mut response);
        }
        (response, note)
    }

    async fn route(&self, request: &ApiRequest<'_>) -> (GatewayResponse, String) {
        let Some(matched) = self
            .routes
            .find(request.method.as_str(), request.uri.path())
        else {
            return (
                GatewayResponse::message(StatusCode::NOT_FOUND, "Not Found"),
                "no route".to_owned(),
            );
        };
        let route = matched.spec;
        let authorized = match route
            .authorizer
            .as_ref()
            .and_then(|name| self.config.template.authorizers.get(name))
        {
            None => None,
            Some(authorizer) => match self
                .authorize(authorizer, request.headers, &route.scopes)
                .await
            {
                Ok(authorized) => Some(authorized),
                Err(rejection) => {
                    let mut response =
                        GatewayResponse::message(StatusCode::UNAUTHORIZED, "Unauthorized");
                    if let Ok(value) = HeaderValue::from_str(&rejection.www_authenticate()) {
                        response.headers.push((header::WWW_AUTHENTICATE, value));
                    }
                    return (response, format!("unauthorized: {rejection}"));
                }
            },
        };
        let caller = authorized
            .as_ref()
            .and_then(|a| a.claims.get("sub"))
            .map(|sub| format!("  caller={sub}"))
            .unwrap_or_default();
        let time_millis = i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis()),
        )
        .unwrap_or(0);
        let incoming = IncomingRequest {
            method: request.method.as_str(),
            path: request.uri.path(),
            query: request.uri.query().unwrap_or_default(),
            headers: request.headers,
            body: request.body,
            peer: request.peer,
            local_port: self.config.port,
            request_id: request.request_id,
            time_millis,
            account_id: &self.config.account_id,
            api_id: "local",
        };
        let event = build_event(&incoming, route, &matched.parameters, authorized.as_ref());
        let Some(endpoint) = self.endpoints.get(&route.function) else {
            return (
                GatewayResponse::message(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal Server Error",
                ),
                format!("{}: no endpoint", route.function),
            );
        };
        self.invocations.fetch_add(1, Ordering::Relaxed);
        match endpoint.invoke(&self.http, &event).await {
            Ok((output, errored)) if errored || is_function_error(&output) => {
                let kind = output
                    .get("errorType")
                    .and_then(Json::as_str)
                    .unwrap_or("function error")
                    .to_owned();
                (
                    GatewayResponse::message(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Internal Server Error",
                    ),
                    format!("{}: function error ({kind}){caller}", route.function),
                )
            }
            Ok((output, _)) => match response_from_output(&output) {
                Some(response) => (response, format!("{}{caller}", route.function)),
                None => (
                    GatewayResponse::message(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Internal Server Error",
                    ),
                    format!(
                        "{}: not a valid payload 2.0 response{caller}",
                        route.function
                    ),
                ),
            },
            Err(InvokeError::Timeout(after)) => (
                GatewayResponse::message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
                format!("{}: timed out after {after:?}{caller}", route.function),
            ),
            Err(error) => (
                GatewayResponse::message(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal Server Error",
                ),
                format!("{}: {error}{caller}", route.function),
            ),
        }
    }

    async fn authorize(
        &self,
        authorizer: &JwtAuthorizer,
        headers: &HeaderMap,
        scopes: &[String],
    ) -> Result<crate::authorizer::Authorized, Rejection> {
        let value = headers
            .get(authorizer.identity_header.as_str())
            .and_then(|v| v.to_str().ok());
        let keys = self
            .keys
            .get(&authorizer.issuer)
            .ok_or_else(|| Rejection::Invalid("no keys for the issuer".to_owned()))?;
        authorize(
            authorizer,
            keys,
            value,
            scopes,
            jsonwebtoken::get_current_timestamp(),
        )
        .await
    }
}

struct ApiRequest<'a> {
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    body: &'a [u8],
    peer: SocketAddr,
    request_id: &'a str,
}

fn origin_allowed(cors: &CorsConfiguration, origin: Option<&str>) -> Option<HeaderValue> {
    let origin = origin?;
    if cors.allow_origins.iter().any(|o| o == "*") {
        return Some(HeaderValue::from_static("*"));
    }
    cors.allow_origins
        .iter()
        .any(|o| o.eq_ignore_ascii_case(origin))
        .then(|| HeaderValue::from_str(origin).ok())
        .flatten()
}

/// API Gateway answers preflights itself when the API has a CORS configuration.
fn preflight(cors: &CorsConfiguration, origin: Option<&str>) -> GatewayResponse {
    let mut response = GatewayResponse {
        status: StatusCode::NO_CONTENT,
        headers: Vec::new(),
        body: Vec::new(),
    };
    let Some(allowed) = origin_allowed(cors, origin) else {
        return response;
    };
    let mut push = |name: header::HeaderName, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers.push((name, value));
        }
    };
    push(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        allowed.to_str().unwrap_or("*").to_owned(),
    );
    if !cors.allow_methods.is_empty() {
        push(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            cors.allow_methods.join(","),
        );
    }
    if !cors.allow_headers.is_empty() {
        push(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            cors.allow_headers.join(","),
        );
    }
    if let Some(max_age) = cors.max_age {
        push(header::ACCESS_CONTROL_MAX_AGE, max_age.to_string());
    }
    if cors.allow_credentials {
        push(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true".to_owned());
    }
    response
}

/// With a CORS configuration, API Gateway ignores the function's CORS headers and sends its own.
fn apply_cors(cors: &CorsConfiguration, origin: Option<&str>, response: &mut GatewayResponse) {
    response
        .headers
        .retain(|(name, _)| !name.as_str().starts_with("access-control-"));
    let Some(allowed) = origin_allowed(cors, origin) else {
        return;
    };
    response
        .headers
        .push((header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed));
    if !cors.expose_headers.is_empty()
        && let Ok(value) = HeaderValue::from_str(&cors.expose_headers.join(","))
    {
        response
            .headers
            .push((header::ACCESS_CONTROL_EXPOSE_HEADERS, value));
    }
    if cors.allow_credentials {
        response.headers.push((
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        ));
    }
}

static REQUEST_COUNTER: AtomicU64 = AtomicU64::new(0);

fn request_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!(
        "{now:x}-{:06x}",
        REQUEST_COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

async fn gateway(
    State(front): State<Arc<Front>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request<Body>,
) -> Response {
    let started = Instant::now();
    front.requests.fetch_add(1, Ordering::Relaxed);
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            let response =
                GatewayResponse::message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
            return into_response(response, "");
        }
    };
    let id = request_id();
    let (response, note) = front
        .handle(ApiRequest {
            method: &parts.method,
            uri: &parts.uri,
            headers: &parts.headers,
            body: &body,
            peer,
            request_id: &id,
        })
        .await;
    front.log(format_args!(
        "request  {} {}  {}  {}  ({} ms)",
        parts.method,
        parts.uri.path(),
        response.status.as_u16(),
        note,
        started.elapsed().as_millis()
    ));
    into_response(response, &id)
}

fn into_response(response: GatewayResponse, request_id: &str) -> Response {
    let mut out = Response::new(Body::from(Bytes::from(response.body)));
    *out.status_mut() = response.status;
    let headers = out.headers_mut();
    for (name, value) in response.headers {
        headers.append(name, value);
    }
    if let Ok(value) = HeaderValue::from_str(request_id)
        && !request_id.is_empty()
    {
        headers.insert("apigw-requestid", value);
    }
    out
}

const INDEX_HTML: &str = include_str!("../page/index.html");
const APP_JS: &str = include_str!("../page/app.js");
const STYLE_CSS: &str = include_str!("../page/style.css");

fn static_text(content_type: &'static str, text: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

async fn page_index() -> Response {
    static_text("text/html; charset=utf-8", INDEX_HTML)
}

async fn page_script() -> Response {
    static_text("text/javascript; charset=utf-8", APP_JS)
}

async fn no_icon() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn page_style() -> Response {
    static_text("text/css; charset=utf-8", STYLE_CSS)
}

async fn emulator_json(front: &Front, path: &str) -> Result<Json, String> {
    let base = front
        .config
        .emulator_url
        .as_deref()
        .ok_or("the front was started without --emulator")?;
    let response = front
        .http
        .get(format!("{}{path}", base.trim_end_matches('/')))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    response.json().await.map_err(|e| e.to_string())
}

/// What the page needs: where to sign in and chat, and this deployment's rooms.
async fn page_config(State(front): State<Arc<Front>>) -> Response {
    let deployment = front
        .config
        .template
        .parameters
        .get("DeploymentName")
        .cloned()
        .unwrap_or_default();
    let rooms = match emulator_json(&front, "/_emulator/state").await {
        Ok(state) => managed_rooms(&state, &deployment),
        Err(_) => Vec::new(),
    };
    axum::Json(json!({
        "messagingUrl": front.config.messaging_url,
        "idpUrl": front.config.idp_url,
        "deployment": deployment,
        "rooms": rooms,
    }))
    .into_response()
}

/// The rooms of `state` tagged with this deployment, for the page.
pub(crate) fn managed_rooms(state: &Json, deployment: &str) -> Vec<Json> {
    let mut rooms: Vec<Json> = state
        .get("rooms")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter(|room| {
            room.pointer("/tags/ivschat-toolkit:deployment")
                .and_then(Json::as_str)
                == Some(deployment)
        })
        .map(|room| {
            json!({
                "id": room.get("id"),
                "arn": room.get("arn"),
                "name": room.get("name"),
                "key": room.pointer("/tags/ivschat-toolkit:key"),
                "reviewed": room.get("messageReviewHandler").is_some_and(|h| !h.is_null()),
                "fallbackResult": room.pointer("/messageReviewHandler/fallbackResult"),
            })
        })
        .collect();
    rooms.sort_by_key(|room| {
        room.get("name")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned()
    });
    rooms
}

/// The review of one message (its decision latency), from the emulator's journal.
async fn review_of(State(front): State<Arc<Front>>, Path(message_id): Path<String>) -> Response {
    match emulator_json(&front, "/_emulator/journal").await {
        Ok(journal) => match crate::journal::review_of(&journal, &message_id) {
            Some(review) => axum::Json(review).into_response(),
            None => (
                StatusCode::NOT_FOUND,
                axum::Json(json!({"message": format!("no review of message {message_id}")})),
            )
                .into_response(),
        },
        Err(error) => (
            StatusCode::BAD_GATEWAY,
            axum::Json(json!({"message": format!("the emulator's journal: {error}")})),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_follows_the_api_configuration() {
        let cors = CorsConfiguration {
            allow_origins: vec!["http://127.0.0.1:4500".into()],
            allow_methods: vec!["POST".into(), "OPTIONS".into()],
            allow_headers: vec!["authorization".into()],
            max_age: Some(600),
            ..CorsConfiguration::default()
        };
        let answer = preflight(&cors, Some("http://127.0.0.1:4500"));
        assert_eq!(answer.status, StatusCode::NO_CONTENT);
        assert!(
            answer
                .headers
                .iter()
                .any(|(n, v)| n == "access-control-allow-methods" && v == "POST,OPTIONS")
        );
        assert!(
            preflight(&cors, Some("http://evil.test"))
                .headers
                .is_empty()
        );
        let mut response = GatewayResponse::message(StatusCode::OK, "x");
        response.headers.push((
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ));
        apply_cors(&cors, Some("http://evil.test"), &mut response);
        assert!(
            !response
                .headers
                .iter()
                .any(|(n, _)| n.as_str().starts_with("access-control-"))
        );
    }

    #[test]
    fn the_page_lists_only_this_deployments_rooms() {
        let state = json!({"rooms": [
            {"id": "A", "arn": "arn:a", "name": "lobby", "tags": {"ivschat-toolkit:deployment": "local", "ivschat-toolkit:key": "lobby"},
             "messageReviewHandler": {"uri": "arn:fn", "fallbackResult": "ALLOW"}},
            {"id": "B", "arn": "arn:b", "name": "other", "tags": {"ivschat-toolkit:deployment": "prod"}},
        ]});
        let rooms = managed_rooms(&state, "local");
        assert_eq!(rooms.len(), 1);
        assert_eq!(rooms[0]["key"], "lobby");
        assert_eq!(rooms[0]["reviewed"], true);
    }
}
