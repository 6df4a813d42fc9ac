//! [`DecisionScratch`]: the buffers one decision's term check works in, shared by the decision
//! logic (`decide.rs`) and the split-word check (`split_words.rs`), neither of which owns them.

use crate::normalise::{NormalisedText, NormaliserScratch};
use crate::terms::{MatchScratch, TermHit};

/// Term-matching buffers, reused between decisions on one thread instead of allocated per message.
#[derive(Default)]
pub(super) struct DecisionScratch {
    /// The normaliser's own working buffers.
    pub(super) normaliser: NormaliserScratch,
    /// The message normalised for the main term check.
    pub(super) primary: NormalisedText,
    /// A second reading: the message folded another way for look-alikes, or the letters of a
    /// split-word window.
    pub(super) secondary: NormalisedText,
    /// `primary` reversed, checked when the message holds a bidirectional control.
    pub(super) reversed: NormalisedText,
    /// The term matcher's buffers and the profile's language settings.
    pub(super) matches: MatchScratch,
    /// Term hits found so far in this message.
    pub(super) hits: Vec<TermHit>,
    /// Byte ranges of `primary`'s space-separated tokens (split-word check).
    pub(super) tokens: Vec<(usize, usize)>,
    /// The letters of a split-word window joined (split-word check).
    pub(super) compact: String,
}
