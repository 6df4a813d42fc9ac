//! The policy document (TOML) as written by a team: term groups, allow list, per-room profiles.
//!
//! Every table denies unknown keys so a typo fails the cold start instead of silently turning a
//! rule off. See `shared/ivschat-moderation/README.md` for the format and `default_policy.toml` for a complete
//! example.

use std::collections::BTreeMap;

use serde::Deserialize;

/// How serious a term or rule is. Ordered: `Low < Medium < High < Severe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Mild language (e.g. "crap").
    Low,
    /// Rude or sexual language.
    Medium,
    /// Strong profanity and insults.
    High,
    /// Slurs and threats.
    Severe,
}

impl Severity {
    /// The policy spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Severe => "severe",
        }
    }
}

/// What happens when a rule fires.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Allow the message and add an attribute naming the categories.
    Flag,
    /// Allow the message with the matched text replaced by mask characters.
    Mask,
    /// Deny the message; the sender sees the reason (IVS error 406).
    #[default]
    Deny,
}

impl Action {
    /// The policy spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Flag => "flag",
            Action::Mask => "mask",
            Action::Deny => "deny",
        }
    }
}

/// What to do with links (URLs with or without a scheme).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkAction {
    /// Links are not checked.
    Allow,
    /// Links to domains outside `allowed_domains` are flagged.
    Flag,
    /// Links to domains outside `allowed_domains` are masked.
    Mask,
    /// Messages with links to domains outside `allowed_domains` are denied.
    Deny,
}

/// A whole policy document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    /// Profile used for rooms not listed in `rooms` (default `"default"`).
    #[serde(default)]
    pub default_profile: Option<String>,
    /// Room ARN or room id → profile name.
    #[serde(default)]
    pub rooms: BTreeMap<String, String>,
    /// Allow-list entries shared by every profile (same wildcards as terms).
    #[serde(default)]
    pub allow: Vec<String>,
    /// Block-list term groups.
    #[serde(default)]
    pub terms: Vec<TermGroupDocument>,
    /// Named profiles.
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileDocument>,
}

/// A group of block-list terms sharing a rule id, category and severity.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermGroupDocument {
    /// Rule id reported when a term of the group matches.
    pub rule: String,
    /// Category (free text, e.g. `profanity`, `slur`).
    pub category: String,
    /// Severity of every term in the group.
    pub severity: Severity,
    /// Action overriding the profile's category/severity actions.
    #[serde(default)]
    pub action: Option<Action>,
    /// Reason shown to the sender on DENY.
    #[serde(default)]
    pub reason: Option<String>,
    /// Patterns: `word`, `word*`, `*word`, `*word*`.
    pub patterns: Vec<String>,
    /// Language the group belongs to (ISO 639-1, e.g. `"es"`). A group with a language is
    /// checked only by profiles whose `languages` name it; without one, by every profile.
    #[serde(default)]
    pub language: Option<String>,
    /// Languages in which these words are ordinary words (`dick` is German for "thick"). A
    /// match is dropped when the message reads as one of them, or, when the message gives no
    /// clue, when the profile's first language is one of them.
    #[serde(default)]
    pub ordinary_in: Vec<String>,
}

/// A language pack: one language's block list, allow list and the common words that identify
/// the language of a message. The built-in packs are `packs/<code>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguagePackDocument {
    /// The language.
    pub language: LanguageDocument,
    /// Block-list term groups; their `language` must be unset or the pack's code.
    #[serde(default)]
    pub terms: Vec<TermGroupDocument>,
}

/// A language's identity, allow list and identifying words.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageDocument {
    /// ISO 639-1 code (`"es"`).
    pub code: String,
    /// English name (`"Spanish"`).
    pub name: String,
    /// Allow-list entries added to profiles that check this language.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Frequent short words that mark a message as written in this language (whole words).
    #[serde(default)]
    pub hints: Vec<String>,
}

/// A named profile. Every field is optional; unset fields come from `extends` (one profile,
/// itself possibly extending another) or the built-in defaults. Sections are inherited whole.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileDocument {
    /// Profile to inherit unset fields from.
    #[serde(default)]
    pub extends: Option<String>,
    /// Term categories checked (default: all).
    #[serde(default)]
    pub categories: Option<Vec<String>>,
    /// Languages whose packs and term groups are checked, the room's main language first
    /// (e.g. `["es", "en"]`; default: none, so only groups without a language).
    #[serde(default)]
    pub languages: Option<Vec<String>>,
    /// Extra allow-list entries for this profile.
    #[serde(default)]
    pub allow: Option<Vec<String>>,
    /// Default reason shown to the sender on DENY.
    #[serde(default)]
    pub reason: Option<String>,
    /// Reasons by category.
    #[serde(default)]
    pub category_reasons: Option<BTreeMap<String, String>>,
    /// Character that replaces each masked grapheme (default `*`).
    #[serde(default)]
    pub mask_char: Option<char>,
    /// Response attribute naming flagged categories (default `Flagged`).
    #[serde(default)]
    pub flag_attribute: Option<String>,
    /// Actions by category and severity.
    #[serde(default)]
    pub actions: Option<ActionsDocument>,
    /// Evasion handling.
    #[serde(default)]
    pub evasion: Option<EvasionDocument>,
    /// Link rule.
    #[serde(default)]
    pub links: Option<LinksDocument>,
    /// Spam rules.
    #[serde(default)]
    pub spam: Option<SpamDocument>,
    /// Sender rules.
    #[serde(default)]
    pub senders: Option<SendersDocument>,
    /// Regex rules (at most 20, each at most 260 characters).
    #[serde(default)]
    pub regex: Option<Vec<RegexRuleDocument>>,
}

/// Actions by category (checked first) and severity.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionsDocument {
    /// Action by term/regex category.
    #[serde(default)]
    pub category: BTreeMap<String, Action>,
    /// Action by severity.
    #[serde(default)]
    pub severity: BTreeMap<Severity, Action>,
    /// Action when neither names the hit (default `deny`).
    #[serde(default)]
    pub default: Option<Action>,
}

/// Evasion handling switches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvasionDocument {
    /// Match self-censored forms (`f*ck`, `sh*t`) against the terms (default true).
    #[serde(default = "default_true")]
    pub masked_forms: bool,
    /// Also match reversed text for terms of at least this severity (`off` disables; default
    /// `high`). With a bidi override in the message, every severity is checked reversed.
    #[serde(default = "default_reversed")]
    pub reversed_min_severity: ReversedSetting,
    /// Join two or three adjacent short pieces (`fu ck`, `sh it`, `bit ch`) when together they
    /// spell exactly a term of severity `high` or above (default true). Pieces that are all
    /// common short words (`go ok`) are never joined.
    #[serde(default = "default_true")]
    pub split_words: bool,
}

impl Default for EvasionDocument {
    fn default() -> Self {
        EvasionDocument {
            masked_forms: true,
            reversed_min_severity: default_reversed(),
            split_words: true,
        }
    }
}

/// Which terms are also matched on reversed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReversedSetting {
    /// Never.
    Off,
    /// Terms of severity `low` and above.
    Low,
    /// `medium` and above.
    Medium,
    /// `high` and above.
    High,
    /// `severe` only.
    Severe,
}

impl ReversedSetting {
    /// The minimum severity, or `None` when off.
    pub fn min_severity(self) -> Option<Severity> {
        match self {
            ReversedSetting::Off => None,
            ReversedSetting::Low => Some(Severity::Low),
            ReversedSetting::Medium => Some(Severity::Medium),
            ReversedSetting::High => Some(Severity::High),
            ReversedSetting::Severe => Some(Severity::Severe),
        }
    }
}

fn default_true() -> bool {
    true
}

fn default_reversed() -> ReversedSetting {
    ReversedSetting::High
}

/// The link rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinksDocument {
    /// What happens to links outside `allowed_domains`.
    pub action: LinkAction,
    /// Domains (and their subdomains) always allowed.
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    /// Reason shown on DENY.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Spam rules; each limit is off when unset.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpamDocument {
    /// Longest allowed run of one repeated character.
    #[serde(default)]
    pub max_repeated_char: Option<u32>,
    /// Highest allowed share (0–1) of capitals among cased letters ...
    #[serde(default)]
    pub max_caps_ratio: Option<f64>,
    /// ... in messages of at least this many code points (default 20).
    #[serde(default)]
    pub caps_min_length: Option<u32>,
    /// Longest allowed message in code points (IVS allows at most 500).
    #[serde(default)]
    pub max_code_points: Option<u32>,
    /// Action when a spam limit is exceeded (default `deny`), unless set per rule below.
    #[serde(default)]
    pub action: Option<Action>,
    /// Action for the repeated-character rule (default: `action`).
    #[serde(default)]
    pub repeated_char_action: Option<Action>,
    /// Action for the capitals rule (default: `action`).
    #[serde(default)]
    pub caps_action: Option<Action>,
    /// Action for the length rule (default: `action`).
    #[serde(default)]
    pub length_action: Option<Action>,
}

/// Sender rules.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendersDocument {
    /// userIds whose messages are always denied.
    #[serde(default)]
    pub blocked: Vec<String>,
    /// Reason shown to blocked senders.
    #[serde(default)]
    pub blocked_reason: Option<String>,
    /// userIds that bypass term rules.
    #[serde(default)]
    pub trusted: Vec<String>,
    /// Sender (chat token) attributes that make a sender trusted, e.g. `role = ["moderator"]`.
    #[serde(default)]
    pub trusted_attributes: BTreeMap<String, Vec<String>>,
}

/// A regex rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegexRuleDocument {
    /// Rule id.
    pub rule: String,
    /// Rust `regex` syntax, matched against the original message.
    pub pattern: String,
    /// Category.
    pub category: String,
    /// Severity.
    pub severity: Severity,
    /// Action overriding the profile's category/severity actions.
    #[serde(default)]
    pub action: Option<Action>,
    /// Reason shown on DENY.
    #[serde(default)]
    pub reason: Option<String>,
    /// Case-insensitive matching (default true, as Discord does).
    #[serde(default = "default_true")]
    pub case_insensitive: bool,
}
