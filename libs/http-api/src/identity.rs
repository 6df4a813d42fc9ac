//! [`CallerIdentity`]: who is calling and with which roles, taken only from verified JWT claims,
//! never from the request body.

use std::collections::BTreeSet;

use ivschat_api::validate;
use lambda_http::Request;

use crate::claims::JwtClaims;
use crate::error::ApiError;

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
