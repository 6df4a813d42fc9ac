//! [`CallerIdentity`]: who is calling and with which roles, taken only from verified JWT claims,
//! never from the request body.

use std::collections::BTreeSet;

use ivschat_api::validate;
use lambda_http::Request;

use function_startup::{ConfigError, ConfigReader};

use crate::claims::JwtClaims;
use crate::error::{ApiError, ErrorCode};
use crate::text::{is_safe_role_name, sanitize_display_name};

/// Reads the role names in setting `name` (comma-separated; `default` when unset): each must be
/// a safe role name ([`crate::text`]), so a configured role can never be one that claims cannot
/// carry unambiguously.
pub fn configured_roles(
    config: &ConfigReader<'_>,
    name: &str,
    default: &[&str],
) -> Result<Vec<String>, ConfigError> {
    let mut roles = config.list(name);
    if roles.is_empty() {
        roles = default.iter().map(|r| (*r).to_owned()).collect();
    }
    check_role_names(name, &roles)?;
    Ok(roles)
}

/// Fails naming `variable` when one of `roles` is not a safe role name.
pub fn check_role_names<'a>(
    variable: &str,
    roles: impl IntoIterator<Item = &'a String>,
) -> Result<(), ConfigError> {
    for role in roles {
        if !is_safe_role_name(role) {
            return Err(ConfigError::new(
                variable,
                format!(
                    "role `{}` must be 1 to {} of A-Z a-z 0-9 - _ .",
                    crate::text::log_field(role),
                    crate::text::MAX_ROLE_NAME_CHARS
                ),
            ));
        }
    }
    Ok(())
}

/// Which claims hold the user id, the roles and the display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimNames {
    /// The claim holding the chat user id (default `sub`).
    pub user_id: String,
    /// The claim holding the caller's roles (default `cognito:groups`).
    pub roles: String,
    /// The claim holding a display name, if one is used.
    pub display_name: Option<String>,
}

impl Default for ClaimNames {
    /// `sub`, `cognito:groups`, no display name.
    fn default() -> Self {
        Self {
            user_id: "sub".to_owned(),
            roles: "cognito:groups".to_owned(),
            display_name: None,
        }
    }
}

impl ClaimNames {
    /// Reads `USER_ID_CLAIM` (default `sub`), `ROLES_CLAIM` (default `cognito:groups`) and
    /// `DISPLAY_NAME_CLAIM` (default none): the one place every HTTP function reads them.
    pub fn from_config(config: &ConfigReader<'_>) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        Ok(Self {
            user_id: config.optional("USER_ID_CLAIM").unwrap_or(defaults.user_id),
            roles: config.optional("ROLES_CLAIM").unwrap_or(defaults.roles),
            display_name: config.optional("DISPLAY_NAME_CLAIM"),
        })
    }
}

/// Who may call the admin routes (`POST /provision`, `POST /tags`): callers whose verified
/// roles claim holds one of the admin roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminAccess {
    /// Which claims hold the user id and roles.
    pub claims: ClaimNames,
    /// The roles allowed (any one suffices).
    pub roles: Vec<String>,
}

impl AdminAccess {
    /// Reads the claim names ([`ClaimNames::from_config`]) and `ADMIN_ROLES`
    /// ([`function_startup::deployment::admin_roles`]); an admin role outside the safe role
    /// name set ([`crate::text`]) fails naming `ADMIN_ROLES`.
    pub fn from_config(config: &ConfigReader<'_>) -> Result<Self, ConfigError> {
        let roles = function_startup::deployment::admin_roles(config);
        check_role_names("ADMIN_ROLES", &roles)?;
        Ok(Self {
            claims: ClaimNames::from_config(config)?,
            roles,
        })
    }

    /// The caller of `request` when it has an admin role: 401 without verified claims, 403
    /// without one of the roles.
    pub fn require_admin(&self, request: &Request) -> Result<CallerIdentity, ApiError> {
        let caller = CallerIdentity::from_request(request, &self.claims)?;
        if !caller.has_any_role(&self.roles) {
            tracing::warn!(user_id = %caller.user_id, "admin route refused: no admin role");
            return Err(ApiError::new(
                ErrorCode::RoleNotAllowed,
                "this route needs an admin role",
            ));
        }
        Ok(caller)
    }
}

/// The verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The chat user id (1–128 code points, as IVS Chat requires).
    pub user_id: String,
    /// The display name, when the configured claim is present, sanitised
    /// ([`crate::text::sanitize_display_name`]: no bidirectional or invisible characters, at
    /// most 64 characters).
    pub display_name: Option<String>,
    /// Every role the roles claim lists that is a safe role name (possibly none); other values
    /// are never roles.
    pub roles: BTreeSet<String>,
}

impl CallerIdentity {
    /// The caller of `request`. 401 when the request carries no verified claims, or the user id
    /// claim is missing or not a valid chat user id.
    pub fn from_request(request: &Request, names: &ClaimNames) -> Result<Self, ApiError> {
        let claims = JwtClaims::from_request(request)
            .ok_or_else(|| ApiError::unauthorized("the request carries no verified JWT claims"))?;
        Self::from_claims(&claims, names)
    }

    /// The caller described by `claims`; fails as [`CallerIdentity::from_request`] does.
    pub fn from_claims(claims: &JwtClaims, names: &ClaimNames) -> Result<Self, ApiError> {
        let user_id = claims.get(&names.user_id).ok_or_else(|| {
            ApiError::unauthorized(format!("the JWT has no `{}` claim", names.user_id))
        })?;
        validate::user_id(&names.user_id, user_id).map_err(|_| {
            ApiError::unauthorized(format!(
                "the JWT's `{}` claim is not a usable chat user id",
                names.user_id
            ))
        })?;
        let listed = claims.values(&names.roles);
        let listed_count = listed.len();
        let roles: BTreeSet<String> = listed
            .into_iter()
            .filter(|role| is_safe_role_name(role))
            .collect();
        if roles.len() < listed_count {
            tracing::debug!(
                ignored = listed_count - roles.len(),
                "roles claim values outside the safe role name set were ignored"
            );
        }
        Ok(Self {
            user_id: user_id.to_owned(),
            display_name: names
                .display_name
                .as_deref()
                .and_then(|claim| claims.get(claim))
                .and_then(sanitize_display_name),
            roles,
        })
    }

    /// True when the caller has at least one of `roles`.
    pub fn has_any_role<'a>(&self, roles: impl IntoIterator<Item = &'a String>) -> bool {
        roles.into_iter().any(|role| self.roles.contains(role))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::error::ErrorCode;

    fn claims(pairs: &[(&str, &str)]) -> JwtClaims {
        JwtClaims::from_map(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<HashMap<_, _>>(),
        )
    }

    #[test]
    fn identity_comes_from_configured_claims() {
        let names = ClaimNames {
            display_name: Some("name".into()),
            ..ClaimNames::default()
        };
        let caller = CallerIdentity::from_claims(
            &claims(&[
                ("sub", "u-1"),
                ("name", "Ada"),
                ("cognito:groups", "[chatter moderator]"),
            ]),
            &names,
        )
        .expect("valid");
        assert_eq!(caller.user_id, "u-1");
        assert_eq!(caller.display_name.as_deref(), Some("Ada"));
        assert_eq!(
            caller.roles.iter().map(String::as_str).collect::<Vec<_>>(),
            ["chatter", "moderator"]
        );
    }

    #[test]
    fn roles_outside_the_safe_set_are_never_roles() {
        // GIVEN groups whose names hold a comma, a quote or an invisible character
        let caller = CallerIdentity::from_claims(
            &claims(&[
                ("sub", "u-1"),
                (
                    "cognito:groups",
                    "[viewer,admin \"moderator\" admin\u{200B} chatter]",
                ),
            ]),
            &ClaimNames::default(),
        )
        .expect("valid");
        // THEN only the safe name is a role
        assert_eq!(
            caller.roles.iter().map(String::as_str).collect::<Vec<_>>(),
            ["chatter"]
        );
    }

    #[test]
    fn display_name_is_sanitised() {
        let names = ClaimNames {
            display_name: Some("name".into()),
            ..ClaimNames::default()
        };
        let caller = CallerIdentity::from_claims(
            &claims(&[("sub", "u-1"), ("name", "\u{202E}nimda\u{202C}\u{200B}")]),
            &names,
        )
        .expect("valid");
        assert_eq!(caller.display_name.as_deref(), Some("nimda"));
        let blank = CallerIdentity::from_claims(
            &claims(&[("sub", "u-1"), ("name", "\u{2066}\u{2069}")]),
            &names,
        )
        .expect("valid");
        assert_eq!(blank.display_name, None);
    }

    /// An API Gateway v2 event for an admin route with `claims`.
    fn admin_request(claims: &str) -> Request {
        let event = format!(
            r#"{{"version":"2.0","routeKey":"POST /tags","rawPath":"/tags","rawQueryString":"",
            "headers":{{}},"requestContext":{{"accountId":"123456789012","apiId":"a",
            "stage":"$default","requestId":"r","http":{{"method":"POST","path":"/tags",
            "protocol":"HTTP/1.1","sourceIp":"203.0.113.1","userAgent":"t"}},
            "authorizer":{{"jwt":{{"claims":{claims},"scopes":null}}}}}},
            "isBase64Encoded":false}}"#
        );
        lambda_http::request::from_str(&event).expect("API Gateway v2 event")
    }

    #[test]
    fn admin_routes_read_the_configured_claims_and_admin_roles() {
        // GIVEN a deployment whose ids are in `uid`, roles in `groups`, admins are `ops`
        let env = std::collections::BTreeMap::from([
            ("USER_ID_CLAIM", "uid"),
            ("ROLES_CLAIM", "groups"),
            ("ADMIN_ROLES", "ops"),
        ]);
        let access = AdminAccess::from_config(&ConfigReader::new(&env)).expect("valid");
        // WHEN an ops member calls an admin route THEN they are let in, identified by `uid`
        let ops = admin_request(r#"{"uid":"u-ops","groups":"[viewer ops]","sub":"other"}"#);
        assert_eq!(access.require_admin(&ops).expect("admin").user_id, "u-ops");
        // AND a caller with the default admin role or the role in the default claim is refused
        let default_admin = admin_request(r#"{"uid":"u-1","groups":"[admin]"}"#);
        assert_eq!(
            access
                .require_admin(&default_admin)
                .expect_err("not ops")
                .code(),
            ErrorCode::RoleNotAllowed
        );
        let wrong_claim = admin_request(r#"{"uid":"u-2","cognito:groups":"[ops]"}"#);
        assert_eq!(
            access
                .require_admin(&wrong_claim)
                .expect_err("not ops")
                .code(),
            ErrorCode::RoleNotAllowed
        );
        // AND a group name smuggling the admin role behind a comma is refused
        let smuggled = admin_request(r#"{"uid":"u-3","groups":"[viewer,ops]"}"#);
        assert!(access.require_admin(&smuggled).is_err());
    }

    #[test]
    fn admin_roles_outside_the_safe_set_fail_the_cold_start() {
        let env = std::collections::BTreeMap::from([("ADMIN_ROLES", "ops team")]);
        let error = AdminAccess::from_config(&ConfigReader::new(&env)).expect_err("space");
        assert_eq!(error.variable, "ADMIN_ROLES");
    }

    #[test]
    fn missing_user_id_claim_is_unauthorized() {
        let error = CallerIdentity::from_claims(&claims(&[("email", "x")]), &ClaimNames::default())
            .expect_err("no sub");
        assert_eq!(error.code(), ErrorCode::Unauthorized);
    }

    #[test]
    fn overlong_user_id_is_unauthorized() {
        let long = "u".repeat(129);
        let error = CallerIdentity::from_claims(&claims(&[("sub", &long)]), &ClaimNames::default())
            .expect_err("too long");
        assert_eq!(error.code(), ErrorCode::Unauthorized);
    }
}
