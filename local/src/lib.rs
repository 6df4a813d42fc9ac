//! A local stand-in for the Amazon IVS Chat control-plane API.
//!
//! It speaks restJson1 exactly as the service does (routes, status codes, `X-Amzn-ErrorType`
//! errors, ISO-8601 timestamps, real-format ids and ARNs), so the unmodified `aws-sdk-ivschat`,
//! boto3 and the AWS CLI work against it with only the endpoint changed.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ivschat_emulator::StartError> {
//! let emulator = ivschat_emulator::Emulator::builder().start().await?;
//! println!("point the SDK at {}", emulator.url());
//! let rooms = emulator.rooms();
//! # drop(rooms);
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! The public front is the items re-exported here plus the [`cli`] module; every other module
//! is private. Modules by layer, lower layers first; each depends only on those above its line
//! (the `crate::` imports it names), so there are no cycles:
//!
//! - `arn`, `error`, `model`, `routing`: ids and ARNs, error shapes and their encoding, the
//!   resource types, operations and their HTTP bindings (no `crate::` imports).
//! - `request` (error), `pagination` (error), `wire` (model), `tokens` (arn, model),
//!   `faults` (routing), `sigv4` (error, routing): reading JSON members, nextToken, output
//!   shapes, chat tokens, fault injection, authentication.
//! - `store` (arn, error, model, pagination): the state.
//! - `persistence` (model, store), `config` (faults, store): the state file, the configuration.
//! - `operations` (error, model, pagination, request, routing, store, tokens, wire): one handler
//!   per operation.
//! - `service` (error, faults, model, pagination, persistence, sigv4, store, tokens): the state a
//!   request can touch, shared by the HTTP modules and the embedding API.
//! - `admin` (faults, service, wire), `server` (arn, error, faults, operations, request, routing,
//!   service, sigv4): the admin endpoints and the service API; neither imports the other.
//! - `cli` (config, faults): the binary's command line.
//! - `emulator` (admin, arn, config, error, faults, model, pagination, persistence, server,
//!   service, sigv4, store, tokens): the embedding API; it mounts `admin`'s routes on
//!   `server`'s router.

#![deny(missing_docs)]

mod admin;
mod arn;
// Public because it is the `ivschat-emulator` binary's interface: the binary (`main.rs`) is a
// separate crate and reaches it only through this library, and its items (`parse`, `USAGE`,
// `CliCommand`, `CliError`) only read right qualified by `cli::`. Embedders do not need it.
pub mod cli;
mod config;
mod emulator;
mod error;
mod faults;
mod model;
mod operations;
mod pagination;
mod persistence;
mod request;
mod routing;
mod server;
mod service;
mod sigv4;
mod store;
mod tokens;
mod wire;

pub use config::{ConfigError, EmulatorConfig};
pub use emulator::{Emulator, EmulatorBuilder, RunningEmulator, SHUTDOWN_GRACE, StartError};
pub use error::{ApiError, FieldProblem, ValidationReason};
pub use faults::{FaultKind, FaultRule, FaultSpecError, FaultTrigger};
pub use model::{
    Capability, Destination, FallbackResult, JournalAction, JournalEntry, LoggingConfiguration,
    LoggingConfigurationState, MessageReviewHandler, Room,
};
pub use persistence::StateFileError;
pub use store::Quotas;
pub use tokens::{TokenError, VerifiedToken};
