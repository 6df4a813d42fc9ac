//! What every API Gateway HTTP API (payload v2) Lambda of this toolkit shares.
//!
//! A function built on this crate reads its configuration once (with
//! [`function_startup::ConfigReader`]; [`ClaimNames`], [`CorsPolicy`], [`AdminAccess`],
//! [`RoomScope`] and [`RoomCacheSettings`] each read their own settings) and serves requests
//! with [`serve()`], its handler boxed by [`handler`]. For each request it answers CORS
//! preflights with [`cors::CorsPolicy`], picks its route with [`routing::RoutePattern`],
//! identifies the caller from the JWT authorizer's claims ([`identity::CallerIdentity`]) or
//! checks a signed webhook ([`signature::WebhookSecret`]), reads the JSON body field by field
//! ([`body::JsonObject`]), checks the room with [`rooms::ManagedRooms`], makes text from
//! outside safe to put in a token or a log line ([`text`]) and answers with
//! [`response::json_response`] or an [`ApiError`], whose JSON body never carries internal
//! detail:
//!
//! ```json
//! {"error":{"code":"InvalidInput","message":"sessionDurationInMinutes: must be between 1 and 60","field":"sessionDurationInMinutes"}}
//! ```

#![warn(missing_docs)]

pub mod body;
pub mod claims;
pub mod cors;
pub mod error;
pub mod identity;
pub mod response;
pub mod rooms;
pub mod routing;
pub mod serve;
pub mod signature;
pub mod text;

pub use body::JsonObject;
pub use claims::{JwtClaims, parse_claim_list};
pub use cors::CorsPolicy;
pub use error::{ApiError, ErrorCode};
pub use identity::{AdminAccess, CallerIdentity, ClaimNames, check_role_names, configured_roles};
pub use response::json_response;
pub use rooms::{LookupLimits, ManagedRooms, RoomAccessError, RoomCacheSettings, RoomScope};
pub use routing::{PathParams, RoutePattern, request_id, request_path};
pub use serve::{HttpHandler, handler, serve};
pub use signature::{
    Clock, FixedClock, LegacySignatures, SignatureError, SignatureScheme, SystemClock,
    VerifiedWebhook, WebhookRequest, WebhookSecret,
};
pub use text::{log_field, sanitize_display_name};
