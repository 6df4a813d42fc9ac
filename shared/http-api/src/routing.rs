//! Matching a request to a route. Functions match on the request path themselves (rather than on
//! API Gateway's `routeKey`), so the same code works behind explicit routes, `ANY` routes and a
//! `$default` catch-all, and can answer 404 and 405 itself.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use percent_encoding::percent_decode_str;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter(String),
}

/// A path pattern such as `/rooms/{roomId}/tokens`: literal segments and `{name}` parameters,
/// each matching exactly one non-empty segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePattern {
    pattern: String,
    segments: Vec<Segment>,
}

impl RoutePattern {
    /// The pattern for `pattern`. Empty segments (doubled or trailing slashes) are ignored.
    pub fn new(pattern: &str) -> Self {
        let segments = pattern
            .split('/')
            .filter(|s| !s.is_empty())
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Parameter(name.to_owned()),
                    None => Segment::Literal(s.to_owned()),
                },
            )
            .collect();
        Self {
            pattern: pattern.to_owned(),
            segments,
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// The parameters when `path` matches. Parameter values are percent-decoded; a value that
    /// does not decode to UTF-8 does not match.
    pub fn matches(&self, path: &str) -> Option<PathParams> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(literal) if literal == part => {}
                Segment::Literal(_) => return None,
                Segment::Parameter(name) => {
                    let value = percent_decode_str(part).decode_utf8().ok()?;
                    params.push((name.clone(), value.into_owned()));
                }
            }
        }
        Some(PathParams(params))
    }
}

/// The parameters of a matched [`RoutePattern`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathParams(Vec<(String, String)>);

impl PathParams {
    /// The value of parameter `name` (empty when the pattern has no such parameter, which
    /// then fails the caller's own validation).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// The request's path without the stage prefix API Gateway adds for a named stage
/// (`/prod/rooms/…` → `/rooms/…`); `$default` stages have none.
pub fn request_path(request: &Request) -> String {
    let path = request.uri().path();
    if let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref()
        && let Some(stage) = context.stage.as_deref()
        && stage != "$default"
        && let Some(rest) = path.strip_prefix(&format!("/{stage}"))
        && (rest.is_empty() || rest.starts_with('/'))
    {
        return rest.to_owned();
    }
    path.to_owned()
}

/// API Gateway's request id (it is in the access logs), else the Lambda request id, else `-`.
pub fn request_id(request: &Request) -> String {
    if let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref()
        && let Some(id) = context.request_id.as_deref()
        && !id.is_empty()
    {
        return id.to_owned();
    }
    request
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| "-".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_parameters_and_decodes_them() {
        let pattern = RoutePattern::new("/rooms/{roomId}/users/{userId}/disconnect");
        let params = pattern
            .matches("/rooms/abcdEFGH1234/users/ada%20lovelace/disconnect/")
            .expect("matches");
        assert_eq!(params.get("roomId"), "abcdEFGH1234");
        assert_eq!(params.get("userId"), "ada lovelace");
    }

    #[test]
    fn rejects_other_literals_and_lengths() {
        let pattern = RoutePattern::new("/rooms/{roomId}/tokens");
        assert!(pattern.matches("/rooms/x/events").is_none());
        assert!(pattern.matches("/rooms/x/tokens/y").is_none());
        assert!(pattern.matches("/rooms//tokens").is_none());
    }
}
