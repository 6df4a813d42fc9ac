//! [`CompiledProfile`]: the rules of one profile in the form the decision logic uses, built by
//! the compiler.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use regex::Regex;

use super::decision::MessageContext;
use crate::policy::{Action, LinkAction, Severity};
use crate::terms::TermMatcher;

/// A compiled regex rule of a profile.
#[derive(Debug)]
pub(super) struct RegexRule {
    pub(super) rule: Arc<str>,
    pub(super) regex: Regex,
    pub(super) pattern: Arc<str>,
    pub(super) category: Arc<str>,
    pub(super) severity: Severity,
    pub(super) action: Option<Action>,
    pub(super) reason: Option<Arc<str>>,
}

/// The profile's link rule: what to do with links outside the allowed domains.
#[derive(Debug)]
pub(super) struct LinkRule {
    pub(super) action: LinkAction,
    pub(super) allowed_domains: Vec<String>,
    pub(super) reason: Arc<str>,
    pub(super) detector: Arc<Regex>,
}

/// The profile's spam limits (`None`: no limit).
#[derive(Debug, Default)]
pub(super) struct SpamRules {
    pub(super) max_repeated_char: Option<u32>,
    pub(super) max_caps_ratio: Option<f64>,
    pub(super) caps_min_length: u32,
    pub(super) max_code_points: Option<u32>,
    pub(super) repeated_char_action: Action,
    pub(super) caps_action: Action,
    pub(super) length_action: Action,
}

/// Blocked and trusted senders, by userId or chat-token attribute.
#[derive(Debug, Default)]
pub(super) struct SenderRules {
    pub(super) blocked: HashSet<String>,
    pub(super) blocked_reason: Arc<str>,
    pub(super) trusted: HashSet<String>,
    pub(super) trusted_attributes: Vec<(String, Vec<String>)>,
}

/// The profile's action for a hit: by category, then by severity, else the default.
#[derive(Debug)]
pub(super) struct ActionTable {
    pub(super) by_category: HashMap<String, Action>,
    pub(super) by_severity: BTreeMap<Severity, Action>,
    pub(super) default: Action,
}

impl ActionTable {
    /// The rule's own action if it has one, else the action for its category, its severity, or
    /// the default.
    pub(super) fn resolve(
        &self,
        rule_action: Option<Action>,
        category: &str,
        severity: Severity,
    ) -> Action {
        rule_action
            .or_else(|| self.by_category.get(category).copied())
            .or_else(|| self.by_severity.get(&severity).copied())
            .unwrap_or(self.default)
    }
}

/// One compiled profile: the rules applied to a room's messages.
#[derive(Debug)]
pub struct CompiledProfile {
    pub(super) name: Arc<str>,
    pub(super) terms: Arc<TermMatcher>,
    pub(super) actions: ActionTable,
    pub(super) reason: Arc<str>,
    pub(super) category_reasons: HashMap<String, Arc<str>>,
    pub(super) mask_char: char,
    pub(super) flag_attribute: String,
    pub(super) masked_forms: bool,
    pub(super) split_words: bool,
    pub(super) links: Option<LinkRule>,
    pub(super) spam: SpamRules,
    pub(super) senders: SenderRules,
    pub(super) regex_rules: Vec<RegexRule>,
    pub(super) categories: Arc<[Arc<str>]>,
    pub(super) languages: Arc<[Arc<str>]>,
    /// Language id of the first of `languages`: how a message without language hints reads.
    pub(super) main_language: Option<u8>,
    /// The profile's languages as a mask of language ids.
    pub(super) language_mask: u32,
    /// Every language code of the policy, by id.
    pub(super) language_codes: Arc<[Arc<str>]>,
}

impl CompiledProfile {
    /// The profile's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of block-list terms the profile checks.
    pub fn term_count(&self) -> usize {
        self.terms.term_count()
    }

    /// The response attribute that names flagged categories.
    pub fn flag_attribute(&self) -> &str {
        &self.flag_attribute
    }

    /// Term categories the profile checks.
    pub fn categories(&self) -> &[Arc<str>] {
        &self.categories
    }

    /// Languages whose packs and term groups the profile checks, its main language first.
    pub fn languages(&self) -> &[Arc<str>] {
        &self.languages
    }

    /// Whether the sender bypasses term rules (trusted userId or trusted token attribute). An
    /// attribute value may be a comma-separated list (the token API's canonical multi-role
    /// form, `chatter,moderator`): a trusted value matches the whole value or one element.
    pub fn is_trusted(&self, message: &MessageContext<'_>) -> bool {
        self.senders.trusted.contains(message.user_id)
            || self.senders.trusted_attributes.iter().any(|(key, values)| {
                message.sender_attributes.get(key).is_some_and(|value| {
                    values
                        .iter()
                        .any(|v| v == value || value.split(',').any(|element| element == v))
                })
            })
    }
}
