//! [`CorsPolicy`]: which browser origins may call the API, and the answers to preflights.
//!
//! Configured as a comma-separated list of origins (`https://app.example.com`), or `*` for any
//! origin; empty means no CORS headers at all (server-to-server callers only).

use function_startup::{ConfigError, ConfigReader};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use ivschat_api::Violation;
use lambda_http::{Body, Response};

use crate::error::{ApiError, ErrorCode};
use crate::response::empty_response;

/// Request headers a browser may send cross-origin.
pub const ALLOWED_HEADERS: &str = "authorization, content-type";
/// How long (seconds) a browser may cache a preflight answer.
pub const PREFLIGHT_MAX_AGE_SECONDS: u32 = 600;

/// Which origins may call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsPolicy {
    /// No cross-origin calls: no CORS headers are sent.
    #[default]
    Disabled,
    /// Any origin (`Access-Control-Allow-Origin: *`; cookies are never involved).
    AnyOrigin,
    /// Exactly these origins (`scheme://host[:port]`).
    Origins(Vec<String>),
}

impl CorsPolicy {
    /// Parses a comma-separated origin list, `*`, or empty (disabled). Each origin must be
    /// `http://` or `https://` followed by a host, with no path.
    pub fn parse(field: &str, value: &str) -> Result<Self, Violation> {
        let origins: Vec<&str> = value
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .collect();
        if origins.is_empty() {
            return Ok(Self::Disabled);
        }
        if origins == ["*"] {
            return Ok(Self::AnyOrigin);
        }
        for origin in &origins {
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            let well_formed = host.is_some_and(|h| {
                !h.is_empty() && !h.contains('/') && !h.contains('*') && !h.contains(' ')
            });
            if !well_formed {
                return Err(Violation::new(
                    field,
                    format!(
                        "`{origin}` is not an origin: use `*` alone, or origins like https://app.example.com separated by commas"
                    ),
                ));
            }
        }
        Ok(Self::Origins(
            origins.into_iter().map(str::to_owned).collect(),
        ))
    }

    /// Reads `CORS_ALLOWED_ORIGINS` (see [`CorsPolicy::parse`]; unset means disabled): the one
    /// place every HTTP function reads it.
    pub fn from_config(config: &ConfigReader<'_>) -> Result<Self, ConfigError> {
        Ok(Self::parse(
            "CORS_ALLOWED_ORIGINS",
            &config.optional("CORS_ALLOWED_ORIGINS").unwrap_or_default(),
        )?)
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, if it may call.
    fn allowed_origin(&self, origin: Option<&str>) -> Option<HeaderValue> {
        match (self, origin) {
            (Self::Disabled, _) | (_, None) => None,
            (Self::AnyOrigin, Some(_)) => Some(HeaderValue::from_static("*")),
            (Self::Origins(list), Some(origin)) => list
                .iter()
                .find(|allowed| allowed.eq_ignore_ascii_case(origin))
                .and_then(|allowed| HeaderValue::from_str(allowed).ok()),
        }
    }

    /// Adds `Access-Control-Allow-Origin` (and `Vary: Origin`) to `response` when the request
    /// came from an allowed origin.
    pub fn apply(&self, request_headers: &HeaderMap, response: &mut Response<Body>) {
        if let Some(value) = self.allowed_origin(origin(request_headers)) {
            let headers = response.headers_mut();
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
            headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
    }

    /// The answer to an `OPTIONS` preflight for a route serving `methods`: 204 with the CORS
    /// headers for an allowed origin, 403 `OriginNotAllowed` otherwise.
    pub fn preflight(&self, request_headers: &HeaderMap, methods: &[Method]) -> Response<Body> {
        let Some(allow_origin) = self.allowed_origin(origin(request_headers)) else {
            return ApiError::new(
                ErrorCode::OriginNotAllowed,
                "cross-origin requests from this origin are not allowed",
            )
            .into_response();
        };
        let mut response = empty_response(StatusCode::NO_CONTENT);
        let methods = methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        if let Ok(value) = HeaderValue::from_str(&methods) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, value);
        }
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from(PREFLIGHT_MAX_AGE_SECONDS),
        );
        response
    }
}

fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_from(origin: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_str(origin).expect("ascii"),
        );
        headers
    }

    #[test]
    fn parses_lists_star_and_empty() {
        assert_eq!(CorsPolicy::parse("V", ""), Ok(CorsPolicy::Disabled));
        assert_eq!(CorsPolicy::parse("V", "*"), Ok(CorsPolicy::AnyOrigin));
        assert_eq!(
            CorsPolicy::parse("V", "https://a.example, http://localhost:3000"),
            Ok(CorsPolicy::Origins(vec![
                "https://a.example".into(),
                "http://localhost:3000".into()
            ]))
        );
        assert!(CorsPolicy::parse("V", "a.example").is_err());
        assert!(CorsPolicy::parse("V", "https://a.example/path").is_err());
    }

    #[test]
    fn preflight_allows_listed_origin_and_refuses_others() {
        let policy = CorsPolicy::Origins(vec!["https://a.example".into()]);
        let ok = policy.preflight(&headers_from("https://a.example"), &[Method::POST]);
        assert_eq!(ok.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            ok.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://a.example"
        );
        assert_eq!(ok.headers()[header::ACCESS_CONTROL_ALLOW_METHODS], "POST");
        let refused = policy.preflight(&headers_from("https://evil.example"), &[Method::POST]);
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
}
