//! The chat token API: `POST /rooms/{roomId}/tokens` on an API Gateway HTTP API with a JWT
//! authorizer.
//!
//! Unlike AWS's sample backend (docs/ivs-chat.md §7.1), the caller chooses nothing that matters for
//! security: the user id, display name and roles come from the verified JWT claims, the
//! capabilities from a configured role map (the body may only narrow them), the room must be one
//! this deployment manages, and the session length is capped. See the README for routes,
//! configuration and errors.

#![warn(missing_docs)]

pub mod config;
pub mod handler;
pub mod roles;
pub mod token;

pub use config::TokenApiConfig;
pub use handler::{TokenApi, handle_request};
pub use roles::{GrantedCapabilities, RoleCapabilities};
pub use token::{ChatTokenRequest, IssuedToken, TokenError, TokenIssuer, refusal_text};
