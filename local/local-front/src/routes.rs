//! Matching a request to a route as an HTTP API does: the most specific route wins (literal
//! segments before `{param}`, `{param}` before a greedy `{proxy+}`), a method route before an
//! `ANY` route of the same path, and `$default` catches the rest.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;

use crate::template::RouteSpec;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter(String),
    Greedy(String),
}

/// A route ready for matching.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub spec: RouteSpec,
    segments: Vec<Segment>,
}

/// What a request matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RouteMatch<'a> {
    pub spec: &'a RouteSpec,
    /// `pathParameters`, decoded.
    pub parameters: BTreeMap<String, String>,
}

/// Every route of the API.
#[derive(Debug, Clone, Default)]
pub(crate) struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    pub fn new(specs: &[RouteSpec]) -> Self {
        let routes = specs
            .iter()
            .map(|spec| Route {
                spec: spec.clone(),
                segments: spec
                    .path
                    .split('/')
                    .filter(|s| !s.is_empty() && spec.path != "$default")
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => match name.strip_suffix('+') {
                                Some(greedy) => Segment::Greedy(greedy.to_owned()),
                                None => Segment::Parameter(name.to_owned()),
                            },
                            None => Segment::Literal(s.to_owned()),
                        },
                    )
                    .collect(),
            })
            .collect();
        Self { routes }
    }

    /// The route for `method` and `path` (the raw, still percent-encoded path).
    pub fn find(&self, method: &str, path: &str) -> Option<RouteMatch<'_>> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut best: Option<(Vec<u8>, RouteMatch<'_>)> = None;
        for route in &self.routes {
            if route.spec.path == "$default" {
                continue;
            }
            let method_matches = route.spec.method == "ANY" || route.spec.method == method;
            if !method_matches {
                continue;
            }
            let Some(parameters) = match_segments(&route.segments, &parts) else {
                continue;
            };
            // Rank: per segment 2 literal, 1 parameter, 0 greedy; then an exact method.
            let mut rank: Vec<u8> = route
                .segments
                .iter()
                .map(|s| match s {
                    Segment::Literal(_) => 2,
                    Segment::Parameter(_) => 1,
                    Segment::Greedy(_) => 0,
                })
                .collect();
            rank.push(u8::from(route.spec.method != "ANY"));
            if best.as_ref().is_none_or(|(b, _)| rank > *b) {
                best = Some((
                    rank,
                    RouteMatch {
                        spec: &route.spec,
                        parameters,
                    },
                ));
            }
        }
        best.map(|(_, m)| m).or_else(|| {
            self.routes
                .iter()
                .find(|r| r.spec.path == "$default")
                .map(|r| RouteMatch {
                    spec: &r.spec,
                    parameters: BTreeMap::new(),
                })
        })
    }
}

fn decode(part: &str) -> Option<String> {
    percent_decode_str(part)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

fn match_segments(segments: &[Segment], parts: &[&str]) -> Option<BTreeMap<String, String>> {
    let mut parameters = BTreeMap::new();
    for (index, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Greedy(name) => {
                let rest = parts.get(index..).filter(|rest| !rest.is_empty())?;
                parameters.insert(name.clone(), decode(&rest.join("/"))?);
                return Some(parameters);
            }
            Segment::Literal(literal) => {
                if parts.get(index) != Some(&literal.as_str()) {
                    return None;
                }
            }
            Segment::Parameter(name) => {
                parameters.insert(name.clone(), decode(parts.get(index)?)?);
            }
        }
    }
    (parts.len() == segments.len()).then_some(parameters)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(method: &str, path: &str, function: &str) -> RouteSpec {
        RouteSpec {
            method: method.into(),
            path: path.into(),
            function: function.into(),
            authorizer: None,
            scopes: Vec::new(),
        }
    }

    #[test]
    fn the_most_specific_route_wins() {
        let table = RouteTable::new(&[
            spec("POST", "/rooms/{roomId}/tokens", "tokens"),
            spec("POST", "/rooms/special/tokens", "special"),
            spec("ANY", "/rooms/{proxy+}", "proxy"),
            spec("ANY", "$default", "default"),
        ]);
        let m = table.find("POST", "/rooms/r%201/tokens").expect("match");
        assert_eq!(m.spec.function, "tokens");
        assert_eq!(m.parameters["roomId"], "r 1");
        assert_eq!(
            table
                .find("POST", "/rooms/special/tokens")
                .expect("m")
                .spec
                .function,
            "special"
        );
        let m = table.find("GET", "/rooms/a/b").expect("proxy");
        assert_eq!(m.spec.function, "proxy");
        assert_eq!(m.parameters["proxy"], "a/b");
        assert_eq!(
            table.find("GET", "/other").expect("default").spec.function,
            "default"
        );
    }

    #[test]
    fn a_method_route_beats_any_and_a_wrong_method_does_not_match() {
        let table = RouteTable::new(&[spec("ANY", "/x", "any"), spec("POST", "/x", "post")]);
        assert_eq!(
            table.find("POST", "/x").expect("post").spec.function,
            "post"
        );
        assert_eq!(table.find("GET", "/x").expect("any").spec.function, "any");
        let only_post = RouteTable::new(&[spec("POST", "/x", "post")]);
        assert!(only_post.find("GET", "/x").is_none());
    }
}
