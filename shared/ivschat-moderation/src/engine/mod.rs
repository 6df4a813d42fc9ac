//! Compiling a policy document and deciding messages.
//!
//! - [`policy_set`]: [`PolicySet`], loading a policy and finding a room's profile, and
//!   [`PolicyError`].
//! - [`compile`]: turning a [`PolicyDocument`](crate::PolicyDocument) into matchers and rules,
//!   validating every entry, and the limits it enforces.
//! - [`profile`]: [`CompiledProfile`], one profile's compiled rules.
//! - [`decide`]: the per-message decision logic ([`CompiledProfile::decide`]).
//! - [`split_words`]: joining letters split by spaces or masks (`fu ck`) for the term check.
//! - [`decision_scratch`]: the buffers a decision's term check reuses, which [`decide`] and
//!   [`split_words`] both work in.
//! - [`packs`]: the built-in language packs.
//! - [`decision`]: the outcome types ([`Decision`], [`Verdict`], [`RuleHit`], [`RuleKind`]) and
//!   the [`MessageContext`] a decision is made from.

mod compile;
mod decide;
mod decision;
mod decision_scratch;
mod packs;
mod policy_set;
mod profile;
mod split_words;

pub use compile::{MAX_REASON_CHARS, MAX_REGEX_CHARS, MAX_REGEX_RULES, REGEX_SIZE_LIMIT};
pub use decision::{Decision, MessageContext, RuleHit, RuleKind, Verdict};
pub use packs::BUILTIN_LANGUAGE_PACKS;
pub use policy_set::{DEFAULT_POLICY_NAME, DEFAULT_POLICY_TOML, PolicyError, PolicySet};
pub use profile::CompiledProfile;
