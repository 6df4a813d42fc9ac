//! A local stand-in for Amazon IVS Chat: the control-plane API and the messaging WebSocket.
//!
//! The control plane speaks restJson1 exactly as the service does (routes, status codes,
//! `X-Amzn-ErrorType` errors, ISO-8601 timestamps, real-format ids and ARNs), so the unmodified
//! `aws-sdk-ivschat`, boto3 and the AWS CLI work against it with only the endpoint changed. The
//! messaging endpoint ([`RunningEmulator::messaging_url`]) takes chat tokens as the WebSocket
//! protocol, as AWS's client sends them, and reviews every message with the room's review
//! handler the way IVS does (200 ms, then the room's fallbackResult).
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
//! - `arn`, `clock`, `error`, `model`, `routing`: ids and ARNs, the advanceable clock, error
//!   shapes and their encoding, the resource types, operations and their HTTP bindings (no
//!   `crate::` imports).
//! - `pool`: a review handler's instances, each taking one invocation at a time (no `crate::`
//!   imports).
//! - `request` (error), `pagination` (error), `wire` (model), `tokens` (arn, model),
//!   `faults` (routing), `sigv4` (error, routing), `frames` (wire), `review` (model, pool),
//!   `chatlog` (arn, model, wire): reading JSON members, nextToken, output shapes, chat tokens,
//!   fault injection, authentication, the WebSocket frames, message review, chat log records.
//! - `hub` (chatlog, model): live connections per room, delivery, rate, token reuse, the cap.
//! - `store` (arn, error, model, pagination): the state.
//! - `persistence` (model, store), `config` (faults, review, store): the state file, the
//!   configuration.
//! - `operations` (clock, error, frames, model, pagination, request, routing, store, tokens,
//!   wire): one handler per operation; calls that live clients must see return a `LiveEffect`.
//! - `service` (clock, error, faults, hub, model, pagination, persistence, review, sigv4, store,
//!   tokens): the state a request can touch, shared by the HTTP modules and the embedding API.
//! - `messaging` (arn, chatlog, frames, hub, model, operations, review, service, store, tokens):
//!   the WebSocket endpoint, and applying a `LiveEffect`.
//! - `admin` (faults, service, wire), `server` (arn, error, faults, messaging, operations,
//!   request, routing, service, sigv4): the admin endpoints and the service API; neither imports
//!   the other.
//! - `cli` (config, faults): the binary's command line.
//! - `emulator` (admin, arn, chatlog, clock, config, error, faults, hub, messaging, model,
//!   pagination, persistence, pool, review, server, service, sigv4, store, tokens): the
//!   embedding API;
//!   it mounts `admin`'s routes on `server`'s router and serves `messaging` on its own port.

#![deny(missing_docs)]

mod admin;
mod arn;
mod chatlog;
mod clock;
// Public because it is the `ivschat-emulator` binary's interface: the binary (`main.rs`) is a
// separate crate and reaches it only through this library, and its items (`parse`, `USAGE`,
// `CliCommand`, `CliError`) only read right qualified by `cli::`. Embedders do not need it.
pub mod cli;
mod config;
mod emulator;
mod error;
mod faults;
mod frames;
mod hub;
mod messaging;
mod model;
mod operations;
mod pagination;
mod persistence;
mod pool;
mod request;
mod review;
mod routing;
mod server;
mod service;
mod sigv4;
mod store;
mod tokens;
mod wire;

pub use config::{ConfigError, EmulatorConfig, ReviewEndpoint};
pub use emulator::{Emulator, EmulatorBuilder, RunningEmulator, SHUTDOWN_GRACE, StartError};
pub use error::{ApiError, FieldProblem, ValidationReason};
pub use faults::{FaultKind, FaultRule, FaultSpecError, FaultTrigger};
pub use model::{
    Capability, Destination, FallbackResult, JournalAction, JournalEntry, LoggingConfiguration,
    LoggingConfigurationState, MessageReviewHandler, ReviewRecord, Room,
};
pub use persistence::StateFileError;
pub use review::{REVIEW_BUDGET, RIE_INVOKE_PATH};
pub use store::Quotas;
pub use tokens::{TokenError, VerifiedToken};
