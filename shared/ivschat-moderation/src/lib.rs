//! Evasion-resistant chat moderation for IVS Chat message review.
//!
//! The engine knows nothing of Lambda. A policy document (TOML) is compiled once into a
//! [`PolicySet`]; [`PolicySet::review`] turns an IVS [`ReviewRequest`](ivschat_api::review::ReviewRequest)
//! into the exact [`ReviewResponse`](ivschat_api::review::ReviewResponse) plus a [`Decision`]
//! listing the rules that fired with their categories, severities and byte spans in the
//! original text.
//!
//! ```
//! use ivschat_moderation::{MessageContext, PolicySet, Verdict};
//! # fn main() -> Result<(), ivschat_moderation::PolicyError> {
//! let policy = PolicySet::builtin()?;
//! let attributes = Default::default();
//! let decision = policy.profile_for_room("any-room").decide(&MessageContext {
//!     content: "what the f\u{200b}uck",
//!     user_id: "viewer-1",
//!     sender_attributes: &attributes,
//! });
//! assert!(matches!(decision.verdict, Verdict::Deny { .. }));
//! assert_eq!(decision.hits[0].span, 9..16);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod engine;
pub mod evaluate;
mod mask;
pub mod normalise;
pub mod policy;
mod review;
pub mod terms;

pub use engine::{
    BUILTIN_LANGUAGE_PACKS, CompiledProfile, DEFAULT_POLICY_NAME, DEFAULT_POLICY_TOML, Decision,
    MAX_REASON_CHARS, MAX_REGEX_CHARS, MAX_REGEX_RULES, MessageContext, PolicyError, PolicySet,
    REGEX_SIZE_LIMIT, RuleHit, RuleKind, Verdict,
};
pub use mask::mask_spans;
pub use normalise::{NormalisedText, normalise};
pub use policy::{Action, PolicyDocument, Severity};
pub use review::{REASON_ATTRIBUTE, Review, deny_response};
pub use terms::{MatchMode, TermMatcher};

/// Environment variable by which deployments name their policy file. The engine never reads it:
/// the review-handler Lambda and the `ivschat-review` CLI read it and pass the path to
/// [`PolicySet::load`].
pub const POLICY_PATH_ENV: &str = "REVIEW_POLICY_PATH";
