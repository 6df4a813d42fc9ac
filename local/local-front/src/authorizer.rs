//! API Gateway's JWT authorizer for HTTP APIs, as AWS documents it
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html>):
//!
//! 1. the token is read from the identity source header, with or without a `Bearer ` prefix;
//! 2. it is decoded; its `alg` must be RSA-based (RS256, RS384, RS512: the only kind API Gateway
//!    accepts) and its `kid` must name a key of the issuer's JWKS, found through
//!    `ISSUER/.well-known/openid-configuration` and its `jwks_uri`;
//! 3. the signature is verified with that key (by `jsonwebtoken`);
//! 4. `iss` must equal the configured issuer; `aud` (or, only when there is no `aud`,
//!    `client_id`) must be one of the configured audiences; `exp` must be in the future, `nbf` and
//!    `iat` (when present) not; when the route names scopes, `scope` or `scp` must hold one.
//!
//! Any failure answers 401 `{"message":"Unauthorized"}` before the function runs, with a
//! `www-authenticate` header in API Gateway's form: `Bearer scope="" error="invalid_token"
//! error_description="…"`. Verified claims are handed to the function as strings, the way HTTP
//! APIs flatten them (arrays as `[a b]`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value as Json;
use tokio::sync::RwLock;

use crate::template::JwtAuthorizer;

/// Why a request was refused (the 401's `error_description`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// No token in the identity source.
    #[error("the request has no token in its identity source")]
    Missing,
    /// The token failed a check; the text says which.
    #[error("{0}")]
    Invalid(String),
}

impl Rejection {
    fn invalid(text: impl Into<String>) -> Self {
        Self::Invalid(text.into())
    }

    /// The `www-authenticate` header API Gateway sends with this 401.
    pub fn www_authenticate(&self) -> String {
        match self {
            Self::Missing => "Bearer".to_owned(),
            Self::Invalid(description) => format!(
                "Bearer scope=\"\" error=\"invalid_token\" error_description=\"{}\"",
                description.replace('"', "'")
            ),
        }
    }
}

/// What a valid token grants: the claims as the function receives them, and its scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorized {
    /// Every claim, flattened to a string as HTTP APIs pass them.
    pub claims: BTreeMap<String, String>,
    /// The token's scopes when the route requires scopes, else `None` (JSON `null`).
    pub scopes: Option<Vec<String>>,
}

/// The keys of one issuer, fetched through its discovery document and cached by `kid`.
#[derive(Debug)]
pub struct IssuerKeys {
    issuer: String,
    http: reqwest::Client,
    cache: RwLock<KeyCache>,
}

#[derive(Debug, Default)]
struct KeyCache {
    keys: BTreeMap<String, (Algorithm, Arc<DecodingKey>)>,
    fetched: Option<Instant>,
}

/// How soon an unknown `kid` may trigger another JWKS fetch.
const REFETCH_AFTER: Duration = Duration::from_secs(1);

impl IssuerKeys {
    /// The keys of `issuer` (fetched on first use).
    pub fn new(issuer: &str, http: reqwest::Client) -> Self {
        Self {
            issuer: issuer.trim_end_matches('/').to_owned(),
            http,
            cache: RwLock::new(KeyCache::default()),
        }
    }

    async fn key(&self, kid: &str) -> Result<(Algorithm, Arc<DecodingKey>), Rejection> {
        if let Some(found) = self.cache.read().await.keys.get(kid) {
            return Ok(found.clone());
        }
        let mut cache = self.cache.write().await;
        if let Some(found) = cache.keys.get(kid) {
            return Ok(found.clone());
        }
        if cache.fetched.is_none_or(|at| at.elapsed() >= REFETCH_AFTER) {
            cache.fetched = Some(Instant::now());
            match self.fetch().await {
                Ok(keys) => cache.keys = keys,
                Err(reason) => {
                    return Err(Rejection::invalid(format!(
                        "the issuer's signing keys could not be fetched ({reason})"
                    )));
                }
            }
        }
        cache
            .keys
            .get(kid)
            .cloned()
            .ok_or_else(|| Rejection::invalid("the token's kid is not a key of the issuer"))
    }

    async fn fetch(&self) -> Result<BTreeMap<String, (Algorithm, Arc<DecodingKey>)>, String> {
        let discovery_url = format!("{}/.well-known/openid-configuration", self.issuer);
        let discovery: Json = self.get_json(&discovery_url).await?;
        let jwks_uri = discovery
            .get("jwks_uri")
            .and_then(Json::as_str)
            .ok_or_else(|| format!("{discovery_url} has no jwks_uri"))?;
        let set: JwkSet = serde_json::from_value(self.get_json(jwks_uri).await?)
            .map_err(|e| format!("{jwks_uri} is not a JWKS: {e}"))?;
        let mut keys = BTreeMap::new();
        for jwk in &set.keys {
            let Some(kid) = jwk.common.key_id.clone() else {
                continue;
            };
            let algorithm = match jwk.common.key_algorithm {
                Some(algorithm) => Algorithm::try_from(algorithm).ok(),
                None => Some(Algorithm::RS256),
            };
            let (Some(algorithm), Ok(key)) = (algorithm, DecodingKey::from_jwk(jwk)) else {
                continue;
            };
            keys.insert(kid, (algorithm, Arc::new(key)));
        }
        Ok(keys)
    }

    async fn get_json(&self, url: &str) -> Result<Json, String> {
        let response = self
            .http
            .get(url)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{url}: HTTP {}", response.status()));
        }
        response.json().await.map_err(|e| format!("{url}: {e}"))
    }
}

/// The token in `header_value` (`Bearer x` or `x`), if any.
pub(crate) fn token_from_header(header_value: Option<&str>) -> Option<&str> {
    let value = header_value?.trim();
    if value.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => value[7..].trim(),
        _ => value,
    };
    (!token.is_empty()).then_some(token)
}

/// Runs the authorizer over the identity source `header_value` for a route needing `scopes`,
/// at `now` (unix seconds).
pub async fn authorize(
    authorizer: &JwtAuthorizer,
    keys: &IssuerKeys,
    header_value: Option<&str>,
    scopes: &[String],
    now: u64,
) -> Result<Authorized, Rejection> {
    let token = token_from_header(header_value).ok_or(Rejection::Missing)?;
    let header = decode_header(token)
        .map_err(|_| Rejection::invalid("the token is not a well-formed JWT"))?;
    if !matches!(
        header.alg,
        Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512
    ) {
        return Err(Rejection::invalid(format!(
            "signing method {:?} is invalid: only RSA-based algorithms are supported",
            header.alg
        )));
    }
    let kid = header
        .kid
        .as_deref()
        .ok_or_else(|| Rejection::invalid("the token has no kid"))?;
    let (key_algorithm, key) = keys.key(kid).await?;
    if key_algorithm != header.alg {
        return Err(Rejection::invalid("the token's alg does not match its key"));
    }
    let mut validation = Validation::new(header.alg);
    // exp, nbf and iat are checked below, against `now`, with no leeway.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data = decode::<Json>(token, &key, &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind;
        Rejection::invalid(match e.kind() {
            ErrorKind::InvalidSignature => "the token's signature is invalid",
            _ => "the token could not be decoded",
        })
    })?;
    check_claims(&data.claims, authorizer, scopes, now)
}

fn number_claim(claims: &Json, name: &str) -> Result<Option<f64>, Rejection> {
    match claims.get(name) {
        None | Some(Json::Null) => Ok(None),
        Some(value) => value
            .as_f64()
            .map(Some)
            .ok_or_else(|| Rejection::invalid(format!("the token's {name} is not a number"))),
    }
}

/// The claim checks of step 4, on a token whose signature is already verified.
pub(crate) fn check_claims(
    claims: &Json,
    authorizer: &JwtAuthorizer,
    scopes: &[String],
    now: u64,
) -> Result<Authorized, Rejection> {
    let now = now as f64;
    if claims.get("iss").and_then(Json::as_str) != Some(authorizer.issuer.as_str()) {
        return Err(Rejection::invalid("the token does not have a valid issuer"));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Json::String(aud)) => vec![aud.as_str()],
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).collect(),
        _ => claims
            .get("client_id")
            .and_then(Json::as_str)
            .into_iter()
            .collect(),
    };
    if !audiences
        .iter()
        .any(|a| authorizer.audiences.iter().any(|allowed| allowed == a))
    {
        return Err(Rejection::invalid(
            "the token does not have a valid audience",
        ));
    }
    match number_claim(claims, "exp")? {
        None => return Err(Rejection::invalid("the token has no exp claim")),
        Some(exp) if exp <= now => return Err(Rejection::invalid("the token has expired")),
        Some(_) => {}
    }
    if number_claim(claims, "nbf")?.is_some_and(|nbf| nbf > now) {
        return Err(Rejection::invalid("the token is not valid yet (nbf)"));
    }
    if number_claim(claims, "iat")?.is_some_and(|iat| iat > now) {
        return Err(Rejection::invalid(
            "the token was issued in the future (iat)",
        ));
    }
    let token_scopes = token_scopes(claims);
    let granted = if scopes.is_empty() {
        None
    } else if token_scopes.iter().any(|s| scopes.contains(s)) {
        Some(token_scopes)
    } else {
        return Err(Rejection::invalid(
            "the token does not have any of the route's authorization scopes",
        ));
    };
    let Json::Object(map) = claims else {
        return Err(Rejection::invalid("the token's claims are not an object"));
    };
    Ok(Authorized {
        claims: map
            .iter()
            .map(|(name, value)| (name.clone(), flatten_claim(value)))
            .collect(),
        scopes: granted,
    })
}

fn token_scopes(claims: &Json) -> Vec<String> {
    let mut scopes = Vec::new();
    for name in ["scope", "scp"] {
        match claims.get(name) {
            Some(Json::String(text)) => scopes.extend(text.split_whitespace().map(str::to_owned)),
            Some(Json::Array(items)) => {
                scopes.extend(items.iter().filter_map(Json::as_str).map(str::to_owned));
            }
            _ => {}
        }
    }
    scopes
}

/// A claim as HTTP APIs hand it to the function: strings as they are, numbers and booleans
/// printed, arrays as `[a b]`, objects as their JSON text.
pub(crate) fn flatten_claim(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(flatten_claim)
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn authorizer() -> JwtAuthorizer {
        JwtAuthorizer {
            name: "Jwt".into(),
            identity_header: "authorization".into(),
            issuer: "http://127.0.0.1:1".into(),
            audiences: vec!["app".into(), "other".into()],
            default_scopes: Vec::new(),
        }
    }

    fn claims(extra: Json) -> Json {
        let mut base = json!({"iss": "http://127.0.0.1:1", "aud": "app", "exp": 2000, "iat": 900, "sub": "u1"});
        if let (Json::Object(base), Json::Object(extra)) = (&mut base, extra) {
            for (k, v) in extra {
                if v.is_null() {
                    base.remove(&k);
                } else {
                    base.insert(k, v);
                }
            }
        }
        base
    }

    #[test]
    fn a_valid_token_passes_with_flattened_claims() {
        let ok = check_claims(
            &claims(json!({"cognito:groups": ["chatter", "moderator"], "email_verified": true})),
            &authorizer(),
            &[],
            1000,
        )
        .expect("valid");
        assert_eq!(ok.claims["cognito:groups"], "[chatter moderator]");
        assert_eq!(ok.claims["exp"], "2000");
        assert_eq!(ok.claims["email_verified"], "true");
        assert_eq!(ok.scopes, None);
    }

    #[test]
    fn issuer_audience_and_times_are_checked() {
        let check = |extra: Json| {
            check_claims(&claims(extra), &authorizer(), &[], 1000).expect_err("refused")
        };
        assert_eq!(
            check(json!({"aud": "someone-else"})),
            Rejection::invalid("the token does not have a valid audience")
        );
        assert_eq!(
            check(json!({"iss": "http://evil"})),
            Rejection::invalid("the token does not have a valid issuer")
        );
        assert_eq!(
            check(json!({"exp": 1000})),
            Rejection::invalid("the token has expired")
        );
        assert_eq!(
            check(json!({"exp": null})),
            Rejection::invalid("the token has no exp claim")
        );
        assert!(matches!(check(json!({"nbf": 1001})), Rejection::Invalid(t) if t.contains("nbf")));
        assert!(matches!(check(json!({"iat": 1001})), Rejection::Invalid(t) if t.contains("iat")));
    }

    #[test]
    fn client_id_counts_only_without_aud() {
        let ok = check_claims(
            &claims(json!({"aud": null, "client_id": "other"})),
            &authorizer(),
            &[],
            1000,
        );
        assert!(ok.is_ok());
        let refused = check_claims(
            &claims(json!({"aud": "x", "client_id": "app"})),
            &authorizer(),
            &[],
            1000,
        );
        assert!(refused.is_err());
        let list = check_claims(
            &claims(json!({"aud": ["x", "app"]})),
            &authorizer(),
            &[],
            1000,
        );
        assert!(list.is_ok());
    }

    #[test]
    fn route_scopes_need_one_of_the_token_scopes() {
        let needed = vec!["chat/write".to_owned()];
        let ok = check_claims(
            &claims(json!({"scope": "openid chat/write"})),
            &authorizer(),
            &needed,
            1000,
        )
        .expect("has the scope");
        assert_eq!(
            ok.scopes,
            Some(vec!["openid".to_owned(), "chat/write".to_owned()])
        );
        let ok = check_claims(
            &claims(json!({"scp": ["chat/write"]})),
            &authorizer(),
            &needed,
            1000,
        );
        assert!(ok.is_ok());
        let refused = check_claims(
            &claims(json!({"scope": "openid"})),
            &authorizer(),
            &needed,
            1000,
        );
        assert!(refused.is_err());
    }

    #[test]
    fn bearer_prefix_is_optional_and_the_401_header_has_api_gateways_form() {
        assert_eq!(token_from_header(Some("Bearer abc")), Some("abc"));
        assert_eq!(token_from_header(Some("bearer abc")), Some("abc"));
        assert_eq!(token_from_header(Some("abc")), Some("abc"));
        assert_eq!(token_from_header(Some("Bearer ")), None);
        assert_eq!(token_from_header(None), None);
        assert_eq!(
            Rejection::invalid("the token does not have a valid audience").www_authenticate(),
            "Bearer scope=\"\" error=\"invalid_token\" error_description=\"the token does not have a valid audience\""
        );
    }
}
