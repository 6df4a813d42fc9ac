//! A demo identity provider, for local use only: it signs in the demo users of a small TOML file
//! without a password and issues RS256 ID tokens shaped like Amazon Cognito's (`sub`,
//! `cognito:username`, `preferred_username`, `cognito:groups`, `token_use = "id"`, `aud` = the
//! app client id), and
//! serves its discovery document and JWKS so the front verifies them as API Gateway would.
//!
//! The signing key is generated at first start and kept in a file (git-ignored, mode 0600);
//! a later start reuses it, so tokens stay valid across restarts.
//!
//! Routes: `GET /.well-known/openid-configuration`, `GET /.well-known/jwks.json`, `GET /users`
//! (the demo users, for the page), `POST /token` with `{"username": "cathy"}` (the ID token).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Why the identity provider could not start or sign.
#[derive(Debug, thiserror::Error)]
pub enum IdpError {
    /// The users file or the key file could not be read or written.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The users file breaks a rule; `field` names the entry.
    #[error("{path}: {field}: {rule}")]
    InvalidUsers {
        /// The file.
        path: String,
        /// The field, e.g. `users[2].username`.
        field: String,
        /// The rule.
        rule: String,
    },
    /// No such demo user.
    #[error("username: no demo user is called `{0}`")]
    UnknownUser(String),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Signing(String),
}

/// One demo user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoUser {
    /// Sign-in name, also `cognito:username` (1–64 of `a-z 0-9 . _ -`).
    pub username: String,
    /// Groups, the `cognito:groups` claim (roles, each 1–64 of `A-Z a-z 0-9 . _ -`).
    #[serde(default)]
    pub groups: Vec<String>,
    /// What the user may do, for the page.
    #[serde(default)]
    pub description: String,
}

impl DemoUser {
    /// The user's `sub` claim (the chat userId): `demo-USERNAME`.
    pub fn subject(&self) -> String {
        format!("demo-{}", self.username)
    }
}

/// The demo users file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoUsers {
    /// Lifetime of an issued token in minutes (1–1440, default 60).
    #[serde(default = "default_token_minutes")]
    pub token_minutes: u64,
    /// The users.
    pub users: Vec<DemoUser>,
}

fn default_token_minutes() -> u64 {
    60
}

fn name_ok(name: &str, upper: bool) -> bool {
    (1..=64).contains(&name.len())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'.' | b'_' | b'-')
                || (upper && b.is_ascii_uppercase())
        })
}

impl DemoUsers {
    /// Reads and checks the users file at `path`.
    pub fn load(path: &Path) -> Result<Self, IdpError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| IdpError::File {
            path: display.clone(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &display)
    }

    /// Parses and checks a users file's text (`path` names it in errors).
    pub fn parse(text: &str, path: &str) -> Result<Self, IdpError> {
        let users: Self = toml::from_str(text).map_err(|e| IdpError::File {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let invalid = |field: String, rule: &str| IdpError::InvalidUsers {
            path: path.to_owned(),
            field,
            rule: rule.to_owned(),
        };
        if !(1..=1440).contains(&users.token_minutes) {
            return Err(invalid("token_minutes".into(), "must be 1 to 1440"));
        }
        if users.users.is_empty() {
            return Err(invalid("users".into(), "must list at least one user"));
        }
        let mut seen = BTreeSet::new();
        for (index, user) in users.users.iter().enumerate() {
            if !name_ok(&user.username, false) {
                return Err(invalid(
                    format!("users[{index}].username"),
                    "must be 1 to 64 of a-z 0-9 . _ -",
                ));
            }
            if !seen.insert(user.username.clone()) {
                return Err(invalid(
                    format!("users[{index}].username"),
                    "is listed twice",
                ));
            }
            for (g, group) in user.groups.iter().enumerate() {
                if !name_ok(group, true) {
                    return Err(invalid(
                        format!("users[{index}].groups[{g}]"),
                        "must be 1 to 64 of A-Z a-z 0-9 . _ -",
                    ));
                }
            }
        }
        Ok(users)
    }

    /// The user called `username`.
    pub fn find(&self, username: &str) -> Option<&DemoUser> {
        self.users.iter().find(|u| u.username == username)
    }
}

/// The identity provider's RSA signing key and its public JWK.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    jwk: Jwk,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new 2048-bit RSA key (not stored anywhere).
    pub fn generate() -> Result<Self, IdpError> {
        Self::from_pem(&generate_pem()?)
    }

    /// The key in `path`, or a new one written there (mode 0600) when the file does not exist.
    /// The boolean says whether it was generated now.
    pub fn load_or_generate(path: &Path) -> Result<(Self, bool), IdpError> {
        let display = path.display().to_string();
        let file_error = |e: std::io::Error| IdpError::File {
            path: display.clone(),
            reason: e.to_string(),
        };
        match std::fs::read_to_string(path) {
            Ok(pem) => Ok((Self::from_pem(&pem)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(file_error)?;
                }
                let pem = generate_pem()?;
                let key = Self::from_pem(&pem)?;
                write_private(path, pem.as_bytes()).map_err(file_error)?;
                Ok((key, true))
            }
            Err(e) => Err(file_error(e)),
        }
    }

    /// The key from a PKCS#8 PEM text.
    pub fn from_pem(pem: &str) -> Result<Self, IdpError> {
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes())
            .map_err(|e| IdpError::Signing(format!("not an RSA private key: {e}")))?;
        let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256)
            .map_err(|e| IdpError::Signing(e.to_string()))?;
        let modulus = match &jwk.algorithm {
            jsonwebtoken::jwk::AlgorithmParameters::RSA(rsa) => rsa.n.clone(),
            _ => return Err(IdpError::Signing("not an RSA key".into())),
        };
        let kid = hex_prefix(&Sha256::digest(modulus.as_bytes()));
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        Ok(Self { kid, encoding, jwk })
    }

    /// The key id (`kid`).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWKS.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![self.jwk.clone()],
        }
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &Value) -> Result<String, IdpError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        encode(&header, claims, &self.encoding).map_err(|e| IdpError::Signing(e.to_string()))
    }
}

fn hex_prefix(digest: &[u8]) -> String {
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn generate_pem() -> Result<String, IdpError> {
    use rsa::Generate;
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let key = rsa::PrivateKey::try_generate()
        .map_err(|e| IdpError::Signing(format!("could not generate a key: {e:?}")))?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| IdpError::Signing(format!("could not encode the key: {e}")))?;
    Ok(pem.to_string())
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// A token the provider issued.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedToken {
    /// The JWT (a secret: never log it).
    pub id_token: String,
    /// `Bearer`.
    pub token_type: &'static str,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// The demo identity provider.
#[derive(Debug, Clone)]
pub struct IdentityProvider {
    issuer: String,
    client_id: String,
    key: SigningKey,
    users: DemoUsers,
}

impl IdentityProvider {
    /// A provider whose tokens carry `iss = issuer` and `aud = client_id`.
    pub fn new(issuer: &str, client_id: &str, key: SigningKey, users: DemoUsers) -> Self {
        Self {
            issuer: issuer.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            key,
            users,
        }
    }

    /// The issuer URL.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The demo users.
    pub fn users(&self) -> &DemoUsers {
        &self.users
    }

    /// The claims of `user`'s ID token issued at `now` (unix seconds).
    pub fn claims_for(&self, user: &DemoUser, now: u64) -> Value {
        json!({
            "sub": user.subject(),
            "iss": self.issuer,
            "aud": self.client_id,
            "token_use": "id",
            "auth_time": now,
            "iat": now,
            "exp": now + self.users.token_minutes * 60,
            "cognito:username": user.username,
            "preferred_username": user.username,
            "cognito:groups": user.groups,
            "email": format!("{}@example.com", user.username),
            "email_verified": true,
        })
    }

    /// Signs `username` in at `now`.
    pub fn issue(&self, username: &str, now: u64) -> Result<IssuedToken, IdpError> {
        let user = self
            .users
            .find(username)
            .ok_or_else(|| IdpError::UnknownUser(username.to_owned()))?;
        Ok(IssuedToken {
            id_token: self.key.sign(&self.claims_for(user, now))?,
            token_type: "Bearer",
            expires_in: self.users.token_minutes * 60,
        })
    }

    /// Signs arbitrary `claims` with the provider's key (to try what the authorizer refuses).
    pub fn sign(&self, claims: &Value) -> Result<String, IdpError> {
        self.key.sign(claims)
    }

    /// The discovery document.
    pub fn discovery(&self) -> Value {
        json!({
            "issuer": self.issuer,
            "jwks_uri": format!("{}/.well-known/jwks.json", self.issuer),
            "token_endpoint": format!("{}/token", self.issuer),
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
        })
    }

    /// Serves the provider on `listener` until `shutdown` completes.
    pub async fn serve(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }

    /// The provider's HTTP routes.
    fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/.well-known/jwks.json", get(jwks))
            .route("/users", get(users))
            .route("/token", post(token).options(preflight))
            .with_state(self)
    }
}

fn any_origin(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn discovery(State(idp): State<Arc<IdentityProvider>>) -> Response {
    any_origin(Json(idp.discovery()).into_response())
}

async fn jwks(State(idp): State<Arc<IdentityProvider>>) -> Response {
    any_origin(Json(idp.key.jwks()).into_response())
}

async fn users(State(idp): State<Arc<IdentityProvider>>) -> Response {
    let users: Vec<Value> = idp
        .users
        .users
        .iter()
        .map(|u| json!({"username": u.username, "sub": u.subject(), "groups": u.groups, "description": u.description}))
        .collect();
    any_origin(Json(json!({ "users": users })).into_response())
}

async fn preflight() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    any_origin(response)
}

#[derive(Deserialize)]
struct TokenRequest {
    username: Option<String>,
}

async fn token(State(idp): State<Arc<IdentityProvider>>, body: axum::body::Bytes) -> Response {
    let username = serde_json::from_slice::<TokenRequest>(&body)
        .ok()
        .and_then(|r| r.username);
    let Some(username) = username else {
        return any_origin(
            (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_request", "error_description": "username: is required (a JSON body {\"username\": \"...\"})"})),
            )
                .into_response(),
        );
    };
    match idp.issue(&username, jsonwebtoken::get_current_timestamp()) {
        Ok(issued) => {
            println!("idp: signed in {username} (demo user)");
            any_origin(Json(issued).into_response())
        }
        Err(IdpError::UnknownUser(_)) => any_origin(
            (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_grant", "error_description": format!("username: no demo user is called `{username}`")})),
            )
                .into_response(),
        ),
        Err(error) => any_origin(
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "server_error", "error_description": error.to_string()})),
            )
                .into_response(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERS: &str = r#"
token_minutes = 30
[[users]]
username = "cathy"
groups = ["chatter"]
description = "chats"
[[users]]
username = "mo"
groups = ["moderator", "chatter"]
"#;

    #[test]
    fn users_file_is_checked_naming_the_field() {
        let users = DemoUsers::parse(USERS, "users.toml").expect("valid");
        assert_eq!(users.token_minutes, 30);
        assert_eq!(users.find("mo").expect("mo").subject(), "demo-mo");
        let bad = |text: &str| {
            DemoUsers::parse(text, "users.toml")
                .expect_err("invalid")
                .to_string()
        };
        assert!(bad("[[users]]\nusername = \"Cathy Smith\"").contains("users[0].username"));
        assert!(
            bad("[[users]]\nusername = \"a\"\n[[users]]\nusername = \"a\"")
                .contains("listed twice")
        );
        assert!(
            bad("[[users]]\nusername = \"a\"\ngroups = [\"x,y\"]").contains("users[0].groups[0]")
        );
        assert!(bad("token_minutes = 0\n[[users]]\nusername = \"a\"").contains("token_minutes"));
        assert!(bad("users = []").contains("at least one"));
        assert!(bad("[[users]]\nusername = \"a\"\npassword = \"x\"").contains("password"));
    }

    #[test]
    fn the_project_users_file_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo-users.toml");
        let users = DemoUsers::load(&path).expect("local/demo-users.toml is valid");
        for role in ["viewer", "chatter", "moderator", "admin"] {
            assert!(
                users
                    .users
                    .iter()
                    .any(|u| u.groups.iter().any(|g| g == role)),
                "a demo user has the {role} group"
            );
        }
    }
}
