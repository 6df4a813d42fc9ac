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
//! Modules: `routing` (operations and their HTTP bindings), `request` (reading JSON members),
//! `operations` (one handler per operation), `store` (state), `wire` (output shapes),
//! `error` (error shapes and their encoding), `sigv4` (authentication), `tokens` (chat tokens),
//! `faults` (fault injection), `pagination` (nextToken), `persistence` (state file),
//! `server` and `admin` (HTTP), `emulator` (embedding API), `config` and `cli`.

#![warn(missing_docs)]

pub mod admin;
pub mod arn;
pub mod cli;
pub mod config;
pub mod emulator;
pub mod error;
pub mod faults;
pub mod model;
pub mod operations;
pub mod pagination;
pub mod persistence;
pub mod request;
pub mod routing;
pub mod server;
pub mod sigv4;
pub mod store;
pub mod tokens;
pub mod wire;

pub use config::EmulatorConfig;
pub use emulator::{Emulator, EmulatorBuilder, RunningEmulator, StartError};
pub use error::ApiError;
pub use faults::{FaultKind, FaultRule, FaultTrigger};
pub use model::{
    Capability, Destination, FallbackResult, JournalAction, JournalEntry, LoggingConfiguration,
    LoggingConfigurationState, MessageReviewHandler, Room,
};
pub use tokens::{TokenError, VerifiedToken};
