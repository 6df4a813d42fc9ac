//! Chat rooms that follow IVS channels.
//!
//! - [`event`]: the EventBridge `IVS Stream State Change` event.
//! - [`lifecycle`]: on Stream Start, ensure the channel's managed room and announce the stream;
//!   on Stream End, announce the end; ignore stale, duplicate and unrelated events.
//! - [`sweep`]: delete rooms a configured time after their stream ended.
//! - [`config`] and [`handler`]: the Lambda's configuration and its one entry point.

#![warn(missing_docs)]

pub mod config;
pub mod event;
pub mod handler;
pub mod lifecycle;
pub mod sweep;

pub use config::StreamLifecycleConfig;
pub use event::{StreamStateChange, StreamTransition};
pub use handler::{LifecycleResult, handle};
pub use lifecycle::{StreamEventError, StreamEventOutcome, handle_stream_event};
pub use sweep::{SweepReport, sweep_ended_rooms};
