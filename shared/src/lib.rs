//! Validated, typed access to Amazon IVS Chat.

pub mod review;
pub mod validate;
