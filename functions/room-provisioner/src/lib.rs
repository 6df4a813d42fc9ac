//! Rooms as code: a reconciler that makes the IVS Chat rooms and logging configurations of one
//! deployment match a TOML spec, knowing nothing of Lambda.
//!
//! - [`spec`]: the rooms spec and its checks; [`spec::RoomsSpec::resolve`] applies defaults.
//! - [`inventory`]: reading what exists (all pages, tags included), through the paced client of
//!   `ivschat-api`, which keeps every call within its operation's rate.
//! - [`plan`]: the pure comparison that yields a [`plan::ReconcilePlan`].
//! - [`apply`]: applying a plan step by step, in dependency order, reporting each outcome.
//! - [`mod@reconcile`]: read, plan, apply (or not, in a dry run), report.
//! - [`config`] and [`handler`]: the Lambda entry points' configuration and event handling.

#![warn(missing_docs)]

pub mod apply;
pub mod config;
pub mod handler;
pub mod inventory;
pub mod plan;
pub mod reconcile;
pub mod spec;

pub use apply::{StepOutcome, StepReport, Totals};
pub use config::ProvisionerConfig;
pub use plan::{PlanStep, ReconcilePlan, compute_plan};
pub use reconcile::{ReconcileError, ReconcileReport, reconcile};
pub use spec::{DesiredState, RoomsSpec, SpecDefaults, SpecError};
