//! [`CallerIdentity`]: who is calling and with which roles, taken only from verified JWT claims,
//! never from the request body.

use std::collections::BTreeSet;

use ivschat_api::validate;
use lambda_http::Request;

use function_startup::{ConfigError, ConfigReader};

use crate::claims::JwtClaims;
use crate::error::{ApiError, ErrorCode};

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
    /// ([`function_startup::deployment::admin_roles`]).
    pub fn from_config(config: &ConfigReader<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            claims: ClaimNames::from_config(config)?,
            roles: function_startup::deployment::admin_roles(config),
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
    /// The display name, when the configured claim is present.
    pub display_name: Option<String>,
    /// Every role the roles claim lists (possibly none).
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
        Ok(Self {
            user_id: user_id.to_owned(),
            display_name: names
                .display_name
                .as_deref()
                .and_then(|claim| claims.get(claim))
                .map(str::to_owned),
            roles: claims.values(&names.roles).into_iter().collect(),
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
