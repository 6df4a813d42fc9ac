//! Validated, typed access to Amazon IVS Chat.
//!
//! Every IVS Chat control-plane operation goes through [`ChatClient`], which checks its input
//! against the service's own constraints before sending ([`validate`]), maps every failure to one
//! error type ([`IvsChatError`]) and pages through lists with an explicit cap. Background work
//! goes through [`PacedChatClient`], which keeps every call within its operation's rate and
//! retries what may succeed later. The toolkit's tag vocabulary lives in [`managed`]. The review
//! handler's wire types live in [`review`] and need no AWS SDK (turn off the `client` feature).

pub mod ids;
pub mod managed;
pub mod review;
pub mod validate;

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod convert;
pub mod error;
pub mod model;
#[cfg(feature = "client")]
pub mod paced;
#[cfg(feature = "client")]
pub mod presign;
#[cfg(feature = "transport")]
pub mod transport;

#[cfg(feature = "client")]
pub use client::{ChatClient, ClientSettings, DEFAULT_LIST_CAP, collect_all_pages};
pub use error::IvsChatError;
pub use ids::{LoggingConfigurationArn, ResourceArn, RoomArn, RoomId};
#[cfg(feature = "client")]
pub use paced::{
    ApiCategory, Attempted, ControlPlaneRates, PacedChatClient, Pacer, RateLimiter, RetryPolicy,
};
#[cfg(feature = "client")]
pub use presign::PresignedRequest;
#[cfg(feature = "transport")]
pub use transport::{https_client, load_sdk_config};
pub use validate::Violation;
