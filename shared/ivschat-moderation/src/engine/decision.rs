//! What a decision says: the [`Decision`] and [`Verdict`] for a message, the [`RuleHit`]s behind
//! them, and the [`MessageContext`] a decision is made from.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::policy::{Action, Severity};

/// Kind of rule that fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// A block-list term.
    Term,
    /// A regex rule.
    Regex,
    /// The link rule.
    Link,
    /// A spam limit.
    Spam,
    /// A sender rule.
    Sender,
}

impl RuleKind {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Term => "term",
            RuleKind::Regex => "regex",
            RuleKind::Link => "link",
            RuleKind::Spam => "spam",
            RuleKind::Sender => "sender",
        }
    }
}

/// One rule that fired on a message.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleHit {
    /// Rule id from the policy (term group, regex rule) or a built-in id (`spam.caps`).
    pub rule: Arc<str>,
    /// What kind of rule.
    pub kind: RuleKind,
    /// Category.
    pub category: Arc<str>,
    /// Severity.
    pub severity: Severity,
    /// The action the profile assigns to it.
    pub action: Action,
    /// Byte range in the original message (empty for sender rules).
    pub span: std::ops::Range<usize>,
    /// The pattern that matched, for terms and regex rules.
    pub pattern: Option<Arc<str>>,
    /// The reason shown to the sender if this hit denies the message.
    pub reason: Arc<str>,
}

/// The outcome for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Deliver unchanged.
    Allow,
    /// Deliver this rewritten (masked) content instead.
    Rewrite {
        /// The message with masked spans replaced.
        content: String,
    },
    /// Do not deliver; tell the sender why.
    Deny {
        /// Reason for the sender.
        reason: Arc<str>,
    },
}

/// A decision with the rules behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Allow, rewrite or deny.
    pub verdict: Verdict,
    /// Name of the profile that decided.
    pub profile: Arc<str>,
    /// Every rule that fired, in message order (sender rules first).
    pub hits: Vec<RuleHit>,
    /// Categories of hits whose action is `flag` (sorted, unique); named in the flag attribute
    /// when the message is allowed.
    pub flagged_categories: Vec<Arc<str>>,
}

impl Decision {
    /// Categories of every rule that fired (sorted, unique), for logs, metrics and summaries.
    pub fn categories_fired(&self) -> Vec<&str> {
        let mut categories: Vec<&str> = self.hits.iter().map(|hit| hit.category.as_ref()).collect();
        categories.sort_unstable();
        categories.dedup();
        categories
    }
}

/// The sender and text of one message, as the engine needs them.
#[derive(Debug, Clone, Copy)]
pub struct MessageContext<'a> {
    /// The message text.
    pub content: &'a str,
    /// The sender's userId.
    pub user_id: &'a str,
    /// The sender's chat-token attributes (trusted).
    pub sender_attributes: &'a BTreeMap<String, String>,
}
