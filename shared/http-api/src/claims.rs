//! [`JwtClaims`]: the claims API Gateway's JWT authorizer verified, read from
//! `requestContext.authorizer.jwt.claims` of a payload v2 request.
//!
//! HTTP APIs hand every claim over as a string. An array claim such as `cognito:groups` arrives
//! flattened as `[admin moderator]`; [`parse_claim_list`] reads that form (split on whitespace
//! only), a JSON array (`["admin","moderator"]`) and a plain single value alike. Which of the
//! values count as roles is decided by the caller ([`crate::text::is_safe_role_name`]).

use std::collections::HashMap;
use std::fmt;

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::Value;

/// The verified claims of the caller's JWT. `Debug` shows claim names only: values include
/// e-mail addresses and other personal data that do not belong in logs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct JwtClaims {
    claims: HashMap<String, String>,
}

impl JwtClaims {
    /// The claims of `request`, or `None` when the request did not pass a JWT authorizer (no
    /// payload v2 request context, no `authorizer.jwt`, or no claims at all).
    pub fn from_request(request: &Request) -> Option<Self> {
        let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else {
            return None;
        };
        let claims = &context.authorizer.as_ref()?.jwt.as_ref()?.claims;
        (!claims.is_empty()).then(|| Self::from_map(claims.clone()))
    }

    /// Claims from a map (for tests and other sources).
    pub fn from_map(claims: HashMap<String, String>) -> Self {
        Self { claims }
    }

    /// The claim's value, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.claims
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The claim read as a list (see [`parse_claim_list`]); empty when absent.
    pub fn values(&self, name: &str) -> Vec<String> {
        self.get(name).map(parse_claim_list).unwrap_or_default()
    }
}

impl fmt::Debug for JwtClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.claims.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("JwtClaims").field("names", &names).finish()
    }
}

/// Reads a claim that may hold several values:
/// - a JSON array of strings: `["admin","moderator"]` (each string one value, whatever it holds);
/// - API Gateway's flattened array: `[admin moderator]`, split on whitespace only, so a comma
///   stays part of its value (`[a,b]` is the one value `a,b`, which no role name allows);
/// - anything else is one value: `admin`.
///
/// Values are trimmed; empty ones are dropped.
pub fn parse_claim_list(raw: &str) -> Vec<String> {
    let raw = raw.trim();
    let Some(inner) = raw.strip_prefix('[').and_then(|r| r.strip_suffix(']')) else {
        return if raw.is_empty() {
            Vec::new()
        } else {
            vec![raw.to_owned()]
        };
    };
    if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(raw) {
        return items
            .iter()
            .filter_map(|item| match item {
                Value::String(text) => Some(text.trim().to_owned()),
                Value::Null => None,
                other => Some(other.to_string()),
            })
            .filter(|v| !v.is_empty())
            .collect();
    }
    inner.split_whitespace().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_api_gateway_flattened_array() {
        assert_eq!(
            parse_claim_list("[admin moderator]"),
            ["admin", "moderator"]
        );
        assert_eq!(parse_claim_list("[moderator]"), ["moderator"]);
        assert_eq!(
            parse_claim_list("[ chatter\tmoderator ]"),
            ["chatter", "moderator"]
        );
    }

    #[test]
    fn a_comma_in_a_flattened_value_never_splits_it() {
        // GIVEN a group named "viewer,admin" flattened by API Gateway
        // THEN it stays one value (which is then no valid role name)
        assert_eq!(parse_claim_list("[viewer,admin]"), ["viewer,admin"]);
        assert_eq!(
            parse_claim_list("[chatter viewer,admin]"),
            ["chatter", "viewer,admin"]
        );
    }

    #[test]
    fn reads_json_array() {
        assert_eq!(
            parse_claim_list(r#"["chatter", "moderator"]"#),
            ["chatter", "moderator"]
        );
    }

    #[test]
    fn reads_plain_single_value_even_with_spaces() {
        assert_eq!(parse_claim_list(" chatter "), ["chatter"]);
        assert_eq!(parse_claim_list("tier one"), ["tier one"]);
    }

    #[test]
    fn empty_forms_give_no_values() {
        assert!(parse_claim_list("").is_empty());
        assert!(parse_claim_list("[]").is_empty());
        assert!(parse_claim_list("[ ]").is_empty());
    }

    #[test]
    fn debug_hides_claim_values() {
        let claims = JwtClaims::from_map(HashMap::from([(
            "email".to_owned(),
            "someone@example.com".to_owned(),
        )]));
        let shown = format!("{claims:?}");
        assert!(shown.contains("email"));
        assert!(!shown.contains("someone@example.com"));
    }
}

#[cfg(test)]
mod lambda_http_shape {
    /// API Gateway stringifies every claim, and `lambda_http` types claims as strings: an event
    /// whose claims hold a real JSON array never reaches a handler. This pins that behaviour, so
    /// an upgrade that starts accepting such events is noticed (and [`super::parse_claim_list`]
    /// then sees the array's JSON text, which it already reads).
    #[test]
    fn lambda_http_refuses_events_whose_claims_are_not_strings() {
        let event = r#"{"version":"2.0","routeKey":"$default","rawPath":"/","rawQueryString":"",
            "headers":{},"requestContext":{"accountId":"123456789012","apiId":"a","stage":"$default",
            "requestId":"r","http":{"method":"POST","path":"/","protocol":"HTTP/1.1",
            "sourceIp":"203.0.113.1","userAgent":"t"},
            "authorizer":{"jwt":{"claims":{"sub":"u","cognito:groups":["a","b"]},"scopes":null}}},
            "isBase64Encoded":false}"#;
        assert!(lambda_http::request::from_str(event).is_err());
        let stringified = event.replace(r#"["a","b"]"#, r#""[a b]""#);
        assert!(lambda_http::request::from_str(&stringified).is_ok());
    }
}
