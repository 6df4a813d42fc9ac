//! The API Gateway HTTP API payload format 2.0: the event a route's function receives, and the
//! function's answer turned back into an HTTP response
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html>).
//!
//! Request: header names lowercased, repeated headers joined with commas, cookies moved from the
//! `cookie` header into `cookies`, repeated query parameters joined with commas, `pathParameters`
//! decoded, `x-forwarded-for` / `-port` / `-proto` added, and the body base64-encoded
//! (`isBase64Encoded: true`) unless its content type is text (`text/*`, JSON, XML, JavaScript,
//! form data) and it is valid UTF-8.
//!
//! Response: an object with `statusCode` is used as it is (`headers`, `multiValueHeaders`,
//! `cookies` as `set-cookie`, `body` base64-decoded when `isBase64Encoded`); any other valid JSON
//! is returned as a 200 `application/json` body, as API Gateway does.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::{Map, Value as Json, json};

use crate::authorizer::Authorized;
use crate::template::RouteSpec;

/// What the front knows of one request.
#[derive(Debug, Clone)]
pub(crate) struct IncomingRequest<'a> {
    pub method: &'a str,
    /// The raw path, still percent-encoded.
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub peer: SocketAddr,
    pub local_port: u16,
    pub request_id: &'a str,
    /// Unix milliseconds.
    pub time_millis: i64,
    pub account_id: &'a str,
    pub api_id: &'a str,
}

fn is_text(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return true;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("/json")
        || essence.ends_with("+json")
        || essence.ends_with("/xml")
        || essence.ends_with("+xml")
        || essence == "application/javascript"
        || essence == "application/x-www-form-urlencoded"
}

/// API Gateway's `requestContext.time` format, `01/Jan/2026:00:00:00 +0000`.
fn clf_time(millis: i64) -> String {
    let format = time::macros::format_description!(
        "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
    );
    time::OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// The payload 2.0 event for `request` matched to `route`.
pub(crate) fn build_event(
    request: &IncomingRequest<'_>,
    route: &RouteSpec,
    parameters: &BTreeMap<String, String>,
    authorized: Option<&Authorized>,
) -> Json {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies: Vec<String> = Vec::new();
    for (name, value) in request.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::COOKIE {
            cookies.extend(
                value
                    .split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
            );
            continue;
        }
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(&value);
            })
            .or_insert(value);
    }
    let source_ip = request.peer.ip().to_string();
    headers
        .entry("x-forwarded-for".into())
        .and_modify(|v| {
            v.push_str(", ");
            v.push_str(&source_ip);
        })
        .or_insert_with(|| source_ip.clone());
    headers.insert("x-forwarded-port".into(), request.local_port.to_string());
    headers.insert("x-forwarded-proto".into(), "http".into());
    let host = headers.get("host").cloned().unwrap_or_default();
    let user_agent = headers.get("user-agent").cloned().unwrap_or_default();

    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for pair in request.query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        let (name, value) = (decode(name), decode(value));
        query
            .entry(name)
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(&value);
            })
            .or_insert(value);
    }

    let content_type = request
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let (body, base64) = match std::str::from_utf8(request.body) {
        Ok(text) if is_text(content_type) => (text.to_owned(), false),
        _ => (STANDARD.encode(request.body), true),
    };

    let route_key = route.route_key();
    let mut context = json!({
        "accountId": request.account_id,
        "apiId": request.api_id,
        "domainName": host,
        "domainPrefix": host.split('.').next().unwrap_or_default(),
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": user_agent,
        },
        "requestId": request.request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": clf_time(request.time_millis),
        "timeEpoch": request.time_millis,
    });
    if let (Some(authorized), Json::Object(context)) = (authorized, &mut context) {
        context.insert(
            "authorizer".into(),
            json!({"jwt": {"claims": authorized.claims, "scopes": authorized.scopes}}),
        );
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": base64,
    });
    if let Json::Object(event) = &mut event {
        if !cookies.is_empty() {
            event.insert("cookies".into(), json!(cookies));
        }
        if !query.is_empty() {
            event.insert("queryStringParameters".into(), json!(query));
        }
        if !parameters.is_empty() {
            event.insert("pathParameters".into(), json!(parameters));
        }
        if !request.body.is_empty() {
            event.insert("body".into(), Json::String(body));
        }
    }
    event
}

/// An HTTP response produced from a function's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GatewayResponse {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Vec<u8>,
}

impl GatewayResponse {
    /// API Gateway's own JSON message answer, e.g. `{"message":"Unauthorized"}`.
    pub fn message(status: StatusCode, message: &str) -> Self {
        Self {
            status,
            headers: vec![(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body: json!({ "message": message }).to_string().into_bytes(),
        }
    }
}

/// Turns the function's answer into the HTTP response, or `None` when it is not a valid
/// payload 2.0 answer (API Gateway then answers 500).
pub(crate) fn response_from_output(output: &Json) -> Option<GatewayResponse> {
    let Json::Object(object) = output else {
        return Some(inferred(output));
    };
    let Some(status) = object.get("statusCode") else {
        return Some(inferred(output));
    };
    let status = status
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())?;
    let mut headers = Vec::new();
    let mut push = |name: &str, value: &str| -> Option<()> {
        headers.push((
            HeaderName::from_bytes(name.as_bytes()).ok()?,
            HeaderValue::from_str(value).ok()?,
        ));
        Some(())
    };
    if let Some(Json::Object(map)) = object.get("headers") {
        for (name, value) in map {
            push(name, &crate::cfn::scalar_text(value)?)?;
        }
    }
    if let Some(Json::Object(map)) = object.get("multiValueHeaders") {
        for (name, values) in map {
            for value in values.as_array()? {
                push(name, &crate::cfn::scalar_text(value)?)?;
            }
        }
    }
    if let Some(Json::Array(cookies)) = object.get("cookies") {
        for cookie in cookies {
            push("set-cookie", cookie.as_str()?)?;
        }
    }
    let body = match object.get("body") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::String(text)) => {
            if object.get("isBase64Encoded").and_then(Json::as_bool) == Some(true) {
                STANDARD.decode(text).ok()?
            } else {
                text.clone().into_bytes()
            }
        }
        Some(other) => other.to_string().into_bytes(),
    };
    Some(GatewayResponse {
        status,
        headers,
        body,
    })
}

fn inferred(output: &Json) -> GatewayResponse {
    GatewayResponse {
        status: StatusCode::OK,
        headers: vec![(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body: output.to_string().into_bytes(),
    }
}

/// Whether the Invoke API's answer is a function error document (`errorType` / `errorMessage`).
pub(crate) fn is_function_error(output: &Json) -> bool {
    matches!(output, Json::Object(map) if is_error_map(map))
}

fn is_error_map(map: &Map<String, Json>) -> bool {
    !map.contains_key("statusCode")
        && map.contains_key("errorMessage")
        && map.contains_key("errorType")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route() -> RouteSpec {
        RouteSpec {
            method: "POST".into(),
            path: "/rooms/{roomId}/tokens".into(),
            function: "TokenApiFunction".into(),
            authorizer: Some("Jwt".into()),
            scopes: Vec::new(),
        }
    }

    #[test]
    fn the_event_has_payload_v2s_shape() {
        let mut headers = HeaderMap::new();
        headers.insert("Host", HeaderValue::from_static("127.0.0.1:4500"));
        headers.insert("Content-Type", HeaderValue::from_static("application/json"));
        headers.append("X-Many", HeaderValue::from_static("a"));
        headers.append("X-Many", HeaderValue::from_static("b"));
        headers.insert("Cookie", HeaderValue::from_static("c1=v1; c2=v2"));
        let request = IncomingRequest {
            method: "POST",
            path: "/rooms/Room%201/tokens",
            query: "a=1&a=2&b=x+y",
            headers: &headers,
            body: br#"{"capabilities":[]}"#,
            peer: "127.0.0.1:5555".parse().expect("addr"),
            local_port: 4500,
            request_id: "req-1",
            time_millis: 1_767_225_600_000,
            account_id: "123456789012",
            api_id: "local",
        };
        let authorized = Authorized {
            claims: BTreeMap::from([("sub".to_owned(), "demo-cathy".to_owned())]),
            scopes: None,
        };
        let parameters = BTreeMap::from([("roomId".to_owned(), "Room 1".to_owned())]);
        let event = build_event(&request, &route(), &parameters, Some(&authorized));
        assert_eq!(event["version"], "2.0");
        assert_eq!(event["routeKey"], "POST /rooms/{roomId}/tokens");
        assert_eq!(event["rawPath"], "/rooms/Room%201/tokens");
        assert_eq!(event["headers"]["x-many"], "a,b");
        assert_eq!(event["headers"]["x-forwarded-for"], "127.0.0.1");
        assert!(event["headers"].get("cookie").is_none());
        assert_eq!(event["cookies"], json!(["c1=v1", "c2=v2"]));
        assert_eq!(
            event["queryStringParameters"],
            json!({"a": "1,2", "b": "x y"})
        );
        assert_eq!(event["pathParameters"]["roomId"], "Room 1");
        assert_eq!(event["body"], r#"{"capabilities":[]}"#);
        assert_eq!(event["isBase64Encoded"], false);
        assert_eq!(event["requestContext"]["http"]["method"], "POST");
        assert_eq!(
            event["requestContext"]["time"],
            "01/Jan/2026:00:00:00 +0000"
        );
        assert_eq!(
            event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"],
            "demo-cathy"
        );
        assert_eq!(
            event["requestContext"]["authorizer"]["jwt"]["scopes"],
            Json::Null
        );
    }

    #[test]
    fn binary_bodies_are_base64() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/octet-stream"),
        );
        let request = IncomingRequest {
            method: "POST",
            path: "/x",
            query: "",
            headers: &headers,
            body: &[0, 159, 146, 150],
            peer: "127.0.0.1:1".parse().expect("addr"),
            local_port: 1,
            request_id: "r",
            time_millis: 0,
            account_id: "1",
            api_id: "a",
        };
        let event = build_event(&request, &route(), &BTreeMap::new(), None);
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(event["body"], STANDARD.encode([0, 159, 146, 150]));
        assert!(event["requestContext"].get("authorizer").is_none());
    }

    #[test]
    fn function_answers_become_responses() {
        let response = response_from_output(&json!({
            "statusCode": 201,
            "headers": {"content-type": "application/json"},
            "cookies": ["a=b"],
            "body": "{\"ok\":true}",
        }))
        .expect("valid");
        assert_eq!(response.status, StatusCode::CREATED);
        assert_eq!(response.body, b"{\"ok\":true}");
        assert!(
            response
                .headers
                .iter()
                .any(|(n, v)| n == "set-cookie" && v == "a=b")
        );
        let binary = response_from_output(
            &json!({"statusCode": 200, "body": "AAE=", "isBase64Encoded": true}),
        )
        .expect("binary");
        assert_eq!(binary.body, [0, 1]);
        let plain = response_from_output(&json!({"hello": "world"})).expect("inferred");
        assert_eq!(plain.status, StatusCode::OK);
        assert_eq!(plain.body, br#"{"hello":"world"}"#);
        assert!(response_from_output(&json!({"statusCode": "soon"})).is_none());
        assert!(is_function_error(
            &json!({"errorType": "Panic", "errorMessage": "boom"})
        ));
    }
}
