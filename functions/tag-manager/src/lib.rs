//! Tags that are always right: a tag policy (TOML) enforced on every IVS Chat room and logging
//! configuration in the account, managed or not, touching only tags.
//!
//! - [`policy`]: the policy format and its checks.
//! - [`enforce`]: what must change ([`enforce::evaluate`], pure) and changing it, with a report.
//! - [`config`] and [`handler`]: the scheduled run and the `POST /tags` admin route.

#![warn(missing_docs)]

pub mod config;
pub mod enforce;
pub mod handler;
pub mod policy;

pub use config::TagManagerConfig;
pub use enforce::{EnforcementReport, enforce_policy, evaluate};
pub use policy::{PolicyError, TagPolicy, TagRule};
