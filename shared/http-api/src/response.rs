//! Building JSON responses.

use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

/// A response with `status` and `body` serialized as JSON. `Cache-Control: no-store` is set
/// because these APIs answer with per-caller data (tokens, outcomes) that no cache may keep.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response<Body> {
    // Serializing our own plain data cannot fail; fall back to an empty object rather than panic.
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An empty response with `status` (e.g. 204 for a CORS preflight).
pub fn empty_response(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = status;
    response
}
