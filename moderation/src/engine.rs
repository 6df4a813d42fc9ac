//! Compiling a policy document and deciding messages.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use regex::{Regex, RegexBuilder};

use crate::normalise::{NormalisedText, NormaliserScratch, ScriptFold, normalise_into};
use crate::policy::{
    Action, ActionsDocument, LinkAction, PolicyDocument, ProfileDocument, RegexRuleDocument,
    Severity, SpamDocument,
};
use crate::terms::{MatchScratch, TermGroup, TermHit, TermMatcher};

/// Environment variable naming the policy file read at cold start.
pub const POLICY_PATH_ENV: &str = "REVIEW_POLICY_PATH";

/// The built-in default policy (English block list, categories, allow list).
pub const DEFAULT_POLICY_TOML: &str = include_str!("../default_policy.toml");

/// Name under which errors in the built-in policy are reported.
pub const DEFAULT_POLICY_NAME: &str = "built-in default policy";

/// Most regex rules a profile may have.
pub const MAX_REGEX_RULES: usize = 20;
/// Longest regex pattern, in characters.
pub const MAX_REGEX_CHARS: usize = 260;
/// Compiled size limit for each regex (bytes), so a pathological pattern fails the cold start.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Longest deny reason, in characters.
pub const MAX_REASON_CHARS: usize = 256;

const DEFAULT_PROFILE: &str = "default";
const DEFAULT_REASON: &str = "Your message was blocked by this room's chat rules.";
const DEFAULT_FLAG_ATTRIBUTE: &str = "Flagged";
const DEFAULT_CAPS_MIN_LENGTH: u32 = 20;
const LINK_PATTERN: &str = r"(?i)\b(?:[a-z][a-z0-9+.-]*://[^\s<>]+|www\.[^\s<>]+|(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|io|gg|tv|co|ly|app|dev|xyz|info|biz|us|uk|de|fr|ru|cn|jp|link|live|site|online|shop|store|club|top|vip|ai|cc|be|me)\b(?:[/:?#][^\s<>]*)?)";

/// Why a policy could not be loaded. Every variant names the file (or the built-in policy).
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("{path}: cannot read policy file: {source}")]
    Read {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the policy format (unknown key, wrong type).
    #[error("{source_name}: {message}")]
    Parse {
        /// File path or [`DEFAULT_POLICY_NAME`].
        source_name: String,
        /// The parser's message, with line, column and key.
        message: String,
    },
    /// An entry is invalid.
    #[error("{source_name}: {entry}: {reason}")]
    Invalid {
        /// File path or [`DEFAULT_POLICY_NAME`].
        source_name: String,
        /// Which entry and rule (`terms[3] (rule "profanity")`, `profiles.kids.regex[0] (rule "phone")`).
        entry: String,
        /// What is wrong.
        reason: String,
    },
}

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

#[derive(Debug)]
struct RegexRule {
    rule: Arc<str>,
    regex: Regex,
    pattern: Arc<str>,
    category: Arc<str>,
    severity: Severity,
    action: Option<Action>,
    reason: Option<Arc<str>>,
}

#[derive(Debug)]
struct LinkRule {
    action: LinkAction,
    allowed_domains: Vec<String>,
    reason: Arc<str>,
    detector: Arc<Regex>,
}

#[derive(Debug, Default)]
struct SpamRules {
    max_repeated_char: Option<u32>,
    max_caps_ratio: Option<f64>,
    caps_min_length: u32,
    max_code_points: Option<u32>,
    action: Action,
}

#[derive(Debug, Default)]
struct SenderRules {
    blocked: HashSet<String>,
    blocked_reason: Arc<str>,
    trusted: HashSet<String>,
    trusted_attributes: Vec<(String, Vec<String>)>,
}

#[derive(Debug)]
struct ActionTable {
    by_category: HashMap<String, Action>,
    by_severity: BTreeMap<Severity, Action>,
    default: Action,
}

impl ActionTable {
    fn resolve(&self, rule_action: Option<Action>, category: &str, severity: Severity) -> Action {
        rule_action
            .or_else(|| self.by_category.get(category).copied())
            .or_else(|| self.by_severity.get(&severity).copied())
            .unwrap_or(self.default)
    }
}

/// One compiled profile: the rules applied to a room's messages.
#[derive(Debug)]
pub struct CompiledProfile {
    name: Arc<str>,
    terms: Arc<TermMatcher>,
    actions: ActionTable,
    reason: Arc<str>,
    category_reasons: HashMap<String, Arc<str>>,
    mask_char: char,
    flag_attribute: String,
    masked_forms: bool,
    split_words: bool,
    links: Option<LinkRule>,
    spam: SpamRules,
    senders: SenderRules,
    regex_rules: Vec<RegexRule>,
    categories: Arc<[Arc<str>]>,
}

/// A compiled policy document: profiles plus the room → profile map. Build once at cold start
/// and share; deciding takes `&self`.
#[derive(Debug)]
pub struct PolicySet {
    profiles: Vec<CompiledProfile>,
    by_name: HashMap<String, usize>,
    by_room: HashMap<String, usize>,
    default_profile: usize,
    source_name: String,
}

#[derive(Default)]
struct DecisionScratch {
    normaliser: NormaliserScratch,
    primary: NormalisedText,
    secondary: NormalisedText,
    reversed: NormalisedText,
    matches: MatchScratch,
    hits: Vec<TermHit>,
    tokens: Vec<(usize, usize)>,
    compact: String,
}

thread_local! {
    static SCRATCH: RefCell<DecisionScratch> = RefCell::new(DecisionScratch::default());
}

impl PolicySet {
    /// Compiles the built-in default policy.
    pub fn builtin() -> Result<PolicySet, PolicyError> {
        PolicySet::from_toml_str(DEFAULT_POLICY_TOML, DEFAULT_POLICY_NAME)
    }

    /// Reads and compiles the policy file at `path`.
    pub fn from_path(path: &Path) -> Result<PolicySet, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        PolicySet::from_toml_str(&text, &path.display().to_string())
    }

    /// Compiles the file named by [`POLICY_PATH_ENV`] if set and non-empty, else the built-in
    /// default policy.
    pub fn from_env() -> Result<PolicySet, PolicyError> {
        match std::env::var_os(POLICY_PATH_ENV) {
            Some(path) if !path.is_empty() => PolicySet::from_path(Path::new(&path)),
            _ => PolicySet::builtin(),
        }
    }

    /// Parses and compiles a policy document; `source_name` is used in error messages.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<PolicySet, PolicyError> {
        let document: PolicyDocument =
            toml::from_str(text).map_err(|error| PolicyError::Parse {
                source_name: source_name.to_string(),
                message: error.to_string().trim_end().to_string(),
            })?;
        PolicySet::compile(&document, source_name)
    }

    /// Compiles a parsed document.
    pub fn compile(document: &PolicyDocument, source_name: &str) -> Result<PolicySet, PolicyError> {
        Compiler::new(document, source_name)?.compile()
    }

    /// Where the policy came from (path or [`DEFAULT_POLICY_NAME`]).
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// The profile with this name.
    pub fn profile(&self, name: &str) -> Option<&CompiledProfile> {
        self.by_name.get(name).map(|&index| &self.profiles[index])
    }

    /// All profiles.
    pub fn profiles(&self) -> &[CompiledProfile] {
        &self.profiles
    }

    /// The profile for a room, looked up by full ARN, then by room id (the ARN's last path
    /// segment), else the default profile.
    pub fn profile_for_room(&self, room_arn: &str) -> &CompiledProfile {
        let index = self
            .by_room
            .get(room_arn)
            .or_else(|| {
                let id = room_arn.rsplit('/').next().unwrap_or(room_arn);
                self.by_room.get(id)
            })
            .copied()
            .unwrap_or(self.default_profile);
        &self.profiles[index]
    }

    /// Heap bytes used by the term automata (shared automata counted once).
    pub fn automaton_memory_usage(&self) -> usize {
        let mut seen = HashSet::new();
        self.profiles
            .iter()
            .filter(|p| seen.insert(Arc::as_ptr(&p.terms)))
            .map(|p| p.terms.automaton_memory_usage())
            .sum()
    }
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

    /// Whether the sender bypasses term rules (trusted userId or trusted token attribute).
    pub fn is_trusted(&self, message: &MessageContext<'_>) -> bool {
        self.senders.trusted.contains(message.user_id)
            || self.senders.trusted_attributes.iter().any(|(key, values)| {
                message
                    .sender_attributes
                    .get(key)
                    .is_some_and(|value| values.iter().any(|v| v == value))
            })
    }

    /// Decides one message. Never panics; any UTF-8 text yields a decision.
    pub fn decide(&self, message: &MessageContext<'_>) -> Decision {
        let mut hits = Vec::new();
        if self.senders.blocked.contains(message.user_id) {
            hits.push(RuleHit {
                rule: Arc::from("sender.blocked"),
                kind: RuleKind::Sender,
                category: Arc::from("sender"),
                severity: Severity::Severe,
                action: Action::Deny,
                span: 0..0,
                pattern: None,
                reason: self.senders.blocked_reason.clone(),
            });
            return self.finish(message.content, hits);
        }
        let content = message.content;
        if content.is_empty() {
            hits.push(self.spam_hit("spam.empty", 0..0, "Your message is empty.", Action::Deny));
            return self.finish(content, hits);
        }
        self.check_spam(content, &mut hits);
        if !self.is_trusted(message) {
            self.check_terms(content, &mut hits);
        }
        self.check_regex(content, &mut hits);
        self.check_links(content, &mut hits);
        self.finish(content, hits)
    }

    fn spam_hit(
        &self,
        rule: &str,
        span: std::ops::Range<usize>,
        reason: &str,
        action: Action,
    ) -> RuleHit {
        RuleHit {
            rule: Arc::from(rule),
            kind: RuleKind::Spam,
            category: Arc::from("spam"),
            severity: Severity::Medium,
            action,
            span,
            pattern: None,
            reason: Arc::from(reason),
        }
    }

    fn check_spam(&self, content: &str, hits: &mut Vec<RuleHit>) {
        let spam = &self.spam;
        if spam.max_repeated_char.is_none()
            && spam.max_caps_ratio.is_none()
            && spam.max_code_points.is_none()
        {
            return;
        }
        let mut code_points = 0u32;
        let mut letters = 0u32;
        let mut capitals = 0u32;
        let mut previous = None;
        let mut run = 0u32;
        let mut run_start = 0usize;
        let mut longest = (0u32, 0usize, 0usize);
        for (index, c) in content.char_indices() {
            code_points += 1;
            if Some(c) == previous {
                run += 1;
            } else {
                run = 1;
                run_start = index;
                previous = Some(c);
            }
            if run > longest.0 {
                longest = (run, run_start, index + c.len_utf8());
            }
            // Capitals are counted among cased letters (scripts without case do not count).
            if c.is_ascii() {
                if c.is_ascii_uppercase() {
                    capitals += 1;
                    letters += 1;
                } else if c.is_ascii_lowercase() {
                    letters += 1;
                }
            } else if c.is_uppercase() {
                capitals += 1;
                letters += 1;
            } else if c.is_lowercase() {
                letters += 1;
            }
        }
        if let Some(max) = spam.max_code_points
            && code_points > max
        {
            let reason = format!("Your message is longer than {max} characters.");
            hits.push(self.spam_hit("spam.length", 0..content.len(), &reason, spam.action));
        }
        if let Some(max) = spam.max_repeated_char
            && longest.0 > max
        {
            hits.push(self.spam_hit(
                "spam.repeated_char",
                longest.1..longest.2,
                "Your message repeats one character too many times.",
                spam.action,
            ));
        }
        if let Some(max_ratio) = spam.max_caps_ratio
            && code_points >= spam.caps_min_length
            && letters > 0
            && f64::from(capitals) / f64::from(letters) > max_ratio
        {
            hits.push(self.spam_hit(
                "spam.caps",
                0..content.len(),
                "Your message has too many capital letters.",
                spam.action,
            ));
        }
    }

    fn check_terms(&self, content: &str, hits: &mut Vec<RuleHit>) {
        let mut run = |scratch: &mut DecisionScratch| {
            scratch.hits.clear();
            normalise_into(
                content,
                ScriptFold::MixedTokens,
                &mut scratch.normaliser,
                &mut scratch.primary,
            );
            self.terms.find(
                &scratch.primary,
                None,
                &mut scratch.matches,
                &mut scratch.hits,
            );
            if self.masked_forms {
                self.terms.find_masked(&scratch.primary, &mut scratch.hits);
            }
            if self.split_words {
                find_split_words(&self.terms, scratch);
            }
            // Second readings of look-alikes, only when the text has them (dedup drops repeats).
            let extra_passes = [
                (
                    scratch.primary.has_pure_lookalike_token(),
                    ScriptFold::Everywhere,
                ),
                (
                    scratch.primary.has_alternate_lookalike(),
                    ScriptFold::EverywhereAlternate,
                ),
            ];
            for (needed, fold) in extra_passes {
                if !needed {
                    continue;
                }
                normalise_into(
                    content,
                    fold,
                    &mut scratch.normaliser,
                    &mut scratch.secondary,
                );
                self.terms.find(
                    &scratch.secondary,
                    None,
                    &mut scratch.matches,
                    &mut scratch.hits,
                );
            }
            // Reversed terms of the profile's minimum severity are in the automaton already.
            // A bidi control can display any text reversed: then check every term backwards.
            if scratch.primary.has_bidi_control() {
                let min = Severity::Low;
                scratch.reversed.reverse_from(&scratch.primary);
                let before = scratch.hits.len();
                self.terms.find(
                    &scratch.reversed,
                    Some(min),
                    &mut scratch.matches,
                    &mut scratch.hits,
                );
                // Short reversed words collide with ordinary words ("gaff"); keep 4+ letters.
                let mut index = before;
                while index < scratch.hits.len() {
                    let long_enough = self
                        .terms
                        .term(scratch.hits[index].term)
                        .is_some_and(|t| t.expanded_len() >= 4);
                    if long_enough {
                        index += 1;
                    } else {
                        scratch.hits.swap_remove(index);
                    }
                }
            }
            if scratch.hits.is_empty() {
                return;
            }
            scratch
                .hits
                .sort_unstable_by_key(|hit| (hit.start, hit.end, hit.term));
            scratch.hits.dedup();
            let first_term_hit = hits.len();
            for hit in &scratch.hits {
                let Some(rule_hit) = self.term_rule_hit(hit) else {
                    continue;
                };
                // Two patterns of one rule on the same span (`bitch*`, `*bitch`) are one hit.
                let duplicate = hits[first_term_hit..]
                    .iter()
                    .rev()
                    .take_while(|h| h.span == rule_hit.span)
                    .any(|h| h.rule == rule_hit.rule);
                if !duplicate {
                    hits.push(rule_hit);
                }
            }
        };
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => run(&mut scratch),
            Err(_) => run(&mut DecisionScratch::default()),
        });
    }

    fn term_rule_hit(&self, hit: &TermHit) -> Option<RuleHit> {
        let term = self.terms.term(hit.term)?;
        let group: &TermGroup = self.terms.group(term.group)?;
        let action = self
            .actions
            .resolve(group.action, &group.category, group.severity);
        Some(RuleHit {
            rule: group.rule.clone(),
            kind: RuleKind::Term,
            category: group.category.clone(),
            severity: group.severity,
            action,
            span: hit.start..hit.end,
            pattern: Some(term.pattern.clone()),
            reason: self.reason_for(group.reason.as_ref(), &group.category),
        })
    }

    fn reason_for(&self, own: Option<&Arc<str>>, category: &str) -> Arc<str> {
        own.or_else(|| self.category_reasons.get(category))
            .unwrap_or(&self.reason)
            .clone()
    }

    fn check_regex(&self, content: &str, hits: &mut Vec<RuleHit>) {
        for rule in &self.regex_rules {
            for found in rule.regex.find_iter(content) {
                if found.start() == found.end() {
                    continue;
                }
                hits.push(RuleHit {
                    rule: rule.rule.clone(),
                    kind: RuleKind::Regex,
                    category: rule.category.clone(),
                    severity: rule.severity,
                    action: self
                        .actions
                        .resolve(rule.action, &rule.category, rule.severity),
                    span: found.start()..found.end(),
                    pattern: Some(rule.pattern.clone()),
                    reason: self.reason_for(rule.reason.as_ref(), &rule.category),
                });
            }
        }
    }

    fn check_links(&self, content: &str, hits: &mut Vec<RuleHit>) {
        let Some(links) = &self.links else {
            return;
        };
        let action = match links.action {
            LinkAction::Allow => return,
            LinkAction::Flag => Action::Flag,
            LinkAction::Mask => Action::Mask,
            LinkAction::Deny => Action::Deny,
        };
        // Every link we detect has a dot; skip the regex for the common message without one.
        if !content.as_bytes().contains(&b'.') {
            return;
        }
        for found in links.detector.find_iter(content) {
            let host = link_host(found.as_str());
            let allowed = links.allowed_domains.iter().any(|domain| {
                host == *domain
                    || (host.len() > domain.len()
                        && host.ends_with(domain.as_str())
                        && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
            });
            if allowed {
                continue;
            }
            hits.push(RuleHit {
                rule: Arc::from("link"),
                kind: RuleKind::Link,
                category: Arc::from("link"),
                severity: Severity::Low,
                action,
                span: found.start()..found.end(),
                pattern: None,
                reason: links.reason.clone(),
            });
        }
    }

    fn finish(&self, content: &str, mut hits: Vec<RuleHit>) -> Decision {
        hits.sort_by_key(|hit| (hit.kind != RuleKind::Sender, hit.span.start, hit.span.end));
        let deny = hits
            .iter()
            .filter(|hit| hit.action == Action::Deny)
            .max_by(|a, b| {
                a.severity
                    .cmp(&b.severity)
                    .then(b.span.start.cmp(&a.span.start))
            });
        let mut flagged: Vec<Arc<str>> = hits
            .iter()
            .filter(|hit| hit.action == Action::Flag)
            .map(|hit| hit.category.clone())
            .collect();
        flagged.sort();
        flagged.dedup();
        let verdict = if let Some(hit) = deny {
            Verdict::Deny {
                reason: hit.reason.clone(),
            }
        } else if hits.iter().any(|hit| hit.action == Action::Mask) {
            let spans: Vec<(usize, usize)> = hits
                .iter()
                .filter(|hit| hit.action == Action::Mask)
                .map(|hit| (hit.span.start, hit.span.end))
                .collect();
            Verdict::Rewrite {
                content: crate::mask::mask_spans(content, &spans, self.mask_char),
            }
        } else {
            Verdict::Allow
        };
        Decision {
            verdict,
            profile: self.name.clone(),
            hits,
            flagged_categories: flagged,
        }
    }
}

/// Short words that are never joined with each other (`go ok` is not `gook`).
const COMMON_SHORT_WORDS: &[&str] = &[
    "a", "ad", "ah", "al", "all", "am", "an", "and", "any", "are", "art", "as", "ask", "at", "ate",
    "aw", "bad", "be", "bed", "big", "bit", "boy", "but", "buy", "by", "can", "car", "cat", "cup",
    "cut", "dad", "day", "did", "die", "do", "dog", "eat", "eh", "end", "eye", "far", "few", "fit",
    "fly", "for", "fun", "gg", "go", "god", "got", "gun", "had", "has", "hat", "he", "her", "hey",
    "hi", "him", "his", "hit", "hm", "ho", "hot", "how", "i", "if", "in", "is", "it", "its", "job",
    "key", "kid", "let", "lie", "lol", "lot", "low", "ma", "mad", "man", "map", "may", "me", "men",
    "mix", "mom", "my", "new", "no", "nor", "not", "now", "of", "off", "oh", "ok", "old", "omg",
    "on", "one", "or", "our", "out", "own", "pa", "pay", "pen", "pet", "put", "ran", "red", "run",
    "sad", "saw", "say", "sea", "see", "set", "she", "sit", "so", "son", "sun", "ten", "the",
    "tie", "tip", "to", "too", "top", "try", "two", "up", "us", "use", "war", "was", "way", "we",
    "web", "who", "why", "win", "won", "wow", "ya", "yay", "ye", "yes", "yet", "yo", "you",
];

/// A word of at most three ASCII letters packed big-endian into a `u32`; packing preserves
/// lexicographic order, so the packed list is sorted when the word list is.
const fn pack_short_word(word: &[u8]) -> u32 {
    let mut packed = 0u32;
    let mut index = 0;
    while index < 3 {
        packed <<= 8;
        if index < word.len() {
            packed |= word[index] as u32;
        }
        index += 1;
    }
    packed
}

/// [`COMMON_SHORT_WORDS`] packed with [`pack_short_word`], for a fast binary search.
const COMMON_SHORT_WORDS_PACKED: [u32; COMMON_SHORT_WORDS.len()] = {
    let mut packed = [0u32; COMMON_SHORT_WORDS.len()];
    let mut index = 0;
    while index < COMMON_SHORT_WORDS.len() {
        packed[index] = pack_short_word(COMMON_SHORT_WORDS[index].as_bytes());
        index += 1;
    }
    packed
};

fn is_common_short_word(word: &[u8]) -> bool {
    word.len() <= 3
        && COMMON_SHORT_WORDS_PACKED
            .binary_search(&pack_short_word(word))
            .is_ok()
}

/// Longest piece (in letters) that may be joined with its neighbours.
const MAX_SPLIT_PIECE: usize = 3;

/// Finds terms split into two or three short pieces (`fu ck`, `sh it`): windows of adjacent
/// all-letter tokens of at most [`MAX_SPLIT_PIECE`] letters, separated by at most two
/// characters on one line, not all common short words, that together spell exactly a term of
/// severity `high` or above.
fn find_split_words(terms: &TermMatcher, scratch: &mut DecisionScratch) {
    let text = scratch.primary.as_str();
    scratch.tokens.clear();
    let mut start = 0;
    for (index, byte) in text.bytes().enumerate() {
        if byte == b' ' {
            scratch.tokens.push((start, index));
            start = index + 1;
        }
    }
    if start < text.len() {
        scratch.tokens.push((start, text.len()));
    }
    let short_letters = |&(start, end): &(usize, usize)| {
        end - start <= MAX_SPLIT_PIECE
            && text.as_bytes()[start..end]
                .iter()
                .all(u8::is_ascii_lowercase)
    };
    for first in 0..scratch.tokens.len() {
        for width in 2..=3 {
            let Some(window) = scratch.tokens.get(first..first + width) else {
                break;
            };
            if !window.iter().all(short_letters) {
                break;
            }
            if window
                .iter()
                .all(|&(s, e)| is_common_short_word(&text.as_bytes()[s..e]))
            {
                continue;
            }
            let gaps_are_short = window.windows(2).all(|pair| {
                let gap = scratch.primary.original_range(pair[0].1, pair[1].0);
                gap.len() <= 2
            });
            if !gaps_are_short {
                break;
            }
            scratch.compact.clear();
            for &(s, e) in window {
                for index in s..e {
                    let run = scratch.primary.runs()[index].min(3);
                    for _ in 0..run {
                        scratch.compact.push(char::from(text.as_bytes()[index]));
                    }
                }
            }
            scratch
                .secondary
                .set_collapsed_letters(scratch.compact.as_bytes());
            if let Some(term) = terms.whole_text_term(&scratch.secondary, Severity::High) {
                let span = scratch
                    .primary
                    .original_range(window[0].0, window[width - 1].1);
                scratch.hits.push(TermHit {
                    term,
                    start: span.start,
                    end: span.end,
                });
            }
        }
    }
}

/// Host part of a detected link, lower-cased, without scheme, credentials, port or path.
fn link_host(link: &str) -> String {
    let without_scheme = link.split_once("://").map_or(link, |(_, rest)| rest);
    let authority = without_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or(without_scheme);
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = host_port.split(':').next().unwrap_or(host_port);
    host.trim_end_matches('.').to_ascii_lowercase()
}

// ---- compilation -------------------------------------------------------------------------

/// What makes two profiles' term matchers identical: categories, allow list, reversed minimum.
type MatcherKey = (Vec<String>, Vec<String>, Option<Severity>);

struct Compiler<'a> {
    document: &'a PolicyDocument,
    source_name: &'a str,
    link_detector: Arc<Regex>,
    matchers: HashMap<MatcherKey, Arc<TermMatcher>>,
    known_categories: HashSet<String>,
}

impl<'a> Compiler<'a> {
    fn new(document: &'a PolicyDocument, source_name: &'a str) -> Result<Self, PolicyError> {
        let link_detector = Regex::new(LINK_PATTERN).map_err(|error| PolicyError::Invalid {
            source_name: source_name.to_string(),
            entry: "link detector".to_string(),
            reason: error.to_string(),
        })?;
        let mut known_categories: HashSet<String> =
            document.terms.iter().map(|g| g.category.clone()).collect();
        for profile in document.profiles.values() {
            for rule in profile.regex.iter().flatten() {
                known_categories.insert(rule.category.clone());
            }
        }
        Ok(Compiler {
            document,
            source_name,
            link_detector: Arc::new(link_detector),
            matchers: HashMap::new(),
            known_categories,
        })
    }

    fn invalid(&self, entry: impl Into<String>, reason: impl Into<String>) -> PolicyError {
        PolicyError::Invalid {
            source_name: self.source_name.to_string(),
            entry: entry.into(),
            reason: reason.into(),
        }
    }

    fn compile(mut self) -> Result<PolicySet, PolicyError> {
        let document = self.document;
        for (index, group) in document.terms.iter().enumerate() {
            if group.patterns.is_empty() {
                return Err(self.invalid(
                    format!("terms[{index}] (rule \"{}\")", group.rule),
                    "has no patterns",
                ));
            }
            if group.rule.trim().is_empty() {
                return Err(self.invalid(format!("terms[{index}]"), "rule id is empty"));
            }
            if let Some(reason) = &group.reason {
                self.check_reason(
                    &format!("terms[{index}] (rule \"{}\").reason", group.rule),
                    reason,
                )?;
            }
        }
        let mut names: Vec<String> = document.profiles.keys().cloned().collect();
        if !names.iter().any(|n| n == DEFAULT_PROFILE) && document.default_profile.is_none() {
            names.push(DEFAULT_PROFILE.to_string());
        }
        let mut profiles = Vec::with_capacity(names.len());
        let mut by_name = HashMap::new();
        for name in &names {
            let resolved = self.resolve_profile(name)?;
            let profile = self.compile_profile(name, &resolved)?;
            by_name.insert(name.clone(), profiles.len());
            profiles.push(profile);
        }
        let default_name = document
            .default_profile
            .clone()
            .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
        let Some(&default_profile) = by_name.get(&default_name) else {
            return Err(self.invalid(
                "default_profile",
                format!("names unknown profile \"{default_name}\""),
            ));
        };
        let mut by_room = HashMap::new();
        for (room, profile) in &document.rooms {
            let Some(&index) = by_name.get(profile) else {
                return Err(self.invalid(
                    format!("rooms.\"{room}\""),
                    format!("names unknown profile \"{profile}\""),
                ));
            };
            by_room.insert(room.clone(), index);
        }
        Ok(PolicySet {
            profiles,
            by_name,
            by_room,
            default_profile,
            source_name: self.source_name.to_string(),
        })
    }

    fn resolve_profile(&self, name: &str) -> Result<ProfileDocument, PolicyError> {
        let mut chain: Vec<&str> = Vec::new();
        let mut current = name;
        let mut merged = ProfileDocument::default();
        loop {
            if chain.contains(&current) {
                return Err(self.invalid(
                    format!("profiles.{name}.extends"),
                    format!("inheritance cycle through \"{current}\""),
                ));
            }
            chain.push(current);
            let Some(profile) = self.document.profiles.get(current) else {
                if current == name {
                    // The implicit default profile.
                    break;
                }
                return Err(self.invalid(
                    format!("profiles.{}.extends", chain[chain.len() - 2]),
                    format!("names unknown profile \"{current}\""),
                ));
            };
            merge_profile(&mut merged, profile);
            match &profile.extends {
                Some(parent) => current = parent,
                None => break,
            }
        }
        Ok(merged)
    }

    fn check_reason(&self, entry: &str, reason: &str) -> Result<(), PolicyError> {
        if reason.trim().is_empty() {
            return Err(self.invalid(entry, "must not be empty"));
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(self.invalid(
                entry,
                format!("must be at most {MAX_REASON_CHARS} characters"),
            ));
        }
        Ok(())
    }

    fn check_category(&self, entry: &str, category: &str) -> Result<(), PolicyError> {
        let builtin = matches!(category, "spam" | "link" | "sender");
        if builtin || self.known_categories.contains(category) {
            Ok(())
        } else {
            Err(self.invalid(
                entry,
                format!("unknown category \"{category}\" (no term group or regex rule uses it)"),
            ))
        }
    }

    fn compile_profile(
        &mut self,
        name: &str,
        profile: &ProfileDocument,
    ) -> Result<CompiledProfile, PolicyError> {
        let at = |field: &str| format!("profiles.{name}.{field}");

        // Terms: which categories, which allow list; share automata between equal profiles.
        let mut categories: Vec<String> = match &profile.categories {
            Some(list) => {
                for category in list {
                    self.check_category(&at("categories"), category)?;
                }
                list.clone()
            }
            None => self
                .document
                .terms
                .iter()
                .map(|g| g.category.clone())
                .collect(),
        };
        categories.sort();
        categories.dedup();
        let mut allow = self.document.allow.clone();
        allow.extend(profile.allow.iter().flatten().cloned());
        let evasion = profile.evasion.clone().unwrap_or_default();
        let reversed_min = evasion.reversed_min_severity.min_severity();
        let key = (categories.clone(), allow.clone(), reversed_min);
        let terms = match self.matchers.get(&key) {
            Some(matcher) => matcher.clone(),
            None => {
                let matcher =
                    Arc::new(self.build_matcher(name, &categories, &allow, reversed_min)?);
                self.matchers.insert(key, matcher.clone());
                matcher
            }
        };

        let reason = profile.reason.as_deref().unwrap_or(DEFAULT_REASON);
        self.check_reason(&at("reason"), reason)?;
        let mut category_reasons = HashMap::new();
        for (category, text) in profile.category_reasons.iter().flatten() {
            let entry = at(&format!("category_reasons.{category}"));
            self.check_category(&entry, category)?;
            self.check_reason(&entry, text)?;
            category_reasons.insert(category.clone(), Arc::from(text.as_str()));
        }

        let mask_char = profile.mask_char.unwrap_or('*');
        if mask_char.is_control()
            || mask_char.is_whitespace()
            || crate::normalise::is_default_ignorable(mask_char)
            || unicode_normalization::char::is_combining_mark(mask_char)
        {
            return Err(self.invalid(
                at("mask_char"),
                "must be a visible character (not a control, space, mark or invisible character)",
            ));
        }
        let flag_attribute = profile
            .flag_attribute
            .clone()
            .unwrap_or_else(|| DEFAULT_FLAG_ATTRIBUTE.to_string());
        if flag_attribute.is_empty() || flag_attribute.len() > 64 || flag_attribute == "Reason" {
            return Err(self.invalid(
                at("flag_attribute"),
                "must be 1-64 bytes and not \"Reason\"",
            ));
        }

        let actions_doc = profile.actions.clone().unwrap_or_default();
        let actions = self.compile_actions(name, &actions_doc)?;
        let links = match &profile.links {
            None => None,
            Some(links) => {
                let reason = links
                    .reason
                    .as_deref()
                    .unwrap_or("Links to that site are not allowed in this room.");
                self.check_reason(&at("links.reason"), reason)?;
                let mut allowed_domains = Vec::new();
                for domain in &links.allowed_domains {
                    let domain = domain.trim().trim_start_matches("*.").to_ascii_lowercase();
                    if domain.is_empty() || domain.contains(['/', ' ', ':']) {
                        return Err(self.invalid(
                            at("links.allowed_domains"),
                            format!("\"{domain}\" is not a domain name"),
                        ));
                    }
                    allowed_domains.push(domain);
                }
                Some(LinkRule {
                    action: links.action,
                    allowed_domains,
                    reason: Arc::from(reason),
                    detector: self.link_detector.clone(),
                })
            }
        };
        let spam = self.compile_spam(name, profile.spam.as_ref())?;
        let senders_doc = profile.senders.clone().unwrap_or_default();
        let blocked_reason = senders_doc
            .blocked_reason
            .as_deref()
            .unwrap_or("You cannot send messages in this room.");
        self.check_reason(&at("senders.blocked_reason"), blocked_reason)?;
        let senders = SenderRules {
            blocked: senders_doc.blocked.iter().cloned().collect(),
            blocked_reason: Arc::from(blocked_reason),
            trusted: senders_doc.trusted.iter().cloned().collect(),
            trusted_attributes: senders_doc.trusted_attributes.into_iter().collect(),
        };
        let regex_rules = self.compile_regex(name, profile.regex.as_deref().unwrap_or(&[]))?;
        Ok(CompiledProfile {
            name: Arc::from(name),
            terms,
            actions,
            reason: Arc::from(reason),
            category_reasons,
            mask_char,
            flag_attribute,
            masked_forms: evasion.masked_forms,
            split_words: evasion.split_words,
            links,
            spam,
            senders,
            regex_rules,
            categories: categories.into_iter().map(Arc::from).collect(),
        })
    }

    fn build_matcher(
        &self,
        profile: &str,
        categories: &[String],
        allow: &[String],
        reversed_min: Option<Severity>,
    ) -> Result<TermMatcher, PolicyError> {
        let mut group_indices = Vec::new();
        let mut groups = Vec::new();
        for (index, group) in self.document.terms.iter().enumerate() {
            if !categories.contains(&group.category) {
                continue;
            }
            group_indices.push(index);
            groups.push((
                TermGroup {
                    rule: Arc::from(group.rule.as_str()),
                    category: Arc::from(group.category.as_str()),
                    severity: group.severity,
                    action: group.action,
                    reason: group.reason.as_deref().map(Arc::from),
                },
                group.patterns.clone(),
            ));
        }
        TermMatcher::build(groups, allow, reversed_min).map_err(|error| match error.group {
            Some(local) => {
                let index = group_indices.get(local).copied().unwrap_or(local);
                let rule = self
                    .document
                    .terms
                    .get(index)
                    .map_or("", |g| g.rule.as_str());
                self.invalid(
                    format!("terms[{index}] (rule \"{rule}\")"),
                    format!("pattern \"{}\": {}", error.pattern, error.reason),
                )
            }
            None if error.pattern.is_empty() => {
                self.invalid(format!("profiles.{profile}"), error.reason)
            }
            None => self.invalid(
                format!("allow (profile \"{profile}\")"),
                format!("entry \"{}\": {}", error.pattern, error.reason),
            ),
        })
    }

    fn compile_actions(
        &self,
        profile: &str,
        actions: &ActionsDocument,
    ) -> Result<ActionTable, PolicyError> {
        let mut by_category = HashMap::new();
        for (category, action) in &actions.category {
            self.check_category(
                &format!("profiles.{profile}.actions.category.{category}"),
                category,
            )?;
            by_category.insert(category.clone(), *action);
        }
        Ok(ActionTable {
            by_category,
            by_severity: actions.severity.clone(),
            default: actions.default.unwrap_or(Action::Deny),
        })
    }

    fn compile_spam(
        &self,
        profile: &str,
        spam: Option<&SpamDocument>,
    ) -> Result<SpamRules, PolicyError> {
        let Some(spam) = spam else {
            return Ok(SpamRules {
                max_code_points: Some(ivschat_api::review::MAX_MESSAGE_CODE_POINTS as u32),
                ..SpamRules::default()
            });
        };
        let at = |field: &str| format!("profiles.{profile}.spam.{field}");
        if let Some(ratio) = spam.max_caps_ratio
            && !(0.0..=1.0).contains(&ratio)
        {
            return Err(self.invalid(at("max_caps_ratio"), "must be between 0 and 1"));
        }
        if spam.max_repeated_char == Some(0) {
            return Err(self.invalid(at("max_repeated_char"), "must be at least 1"));
        }
        if spam.max_code_points == Some(0) {
            return Err(self.invalid(at("max_code_points"), "must be at least 1"));
        }
        Ok(SpamRules {
            max_repeated_char: spam.max_repeated_char,
            max_caps_ratio: spam.max_caps_ratio,
            caps_min_length: spam.caps_min_length.unwrap_or(DEFAULT_CAPS_MIN_LENGTH),
            max_code_points: spam.max_code_points,
            action: spam.action.unwrap_or(Action::Deny),
        })
    }

    fn compile_regex(
        &self,
        profile: &str,
        rules: &[RegexRuleDocument],
    ) -> Result<Vec<RegexRule>, PolicyError> {
        if rules.len() > MAX_REGEX_RULES {
            return Err(self.invalid(
                format!("profiles.{profile}.regex"),
                format!(
                    "has {} rules; at most {MAX_REGEX_RULES} are allowed",
                    rules.len()
                ),
            ));
        }
        let mut compiled = Vec::with_capacity(rules.len());
        for (index, rule) in rules.iter().enumerate() {
            let entry = format!("profiles.{profile}.regex[{index}] (rule \"{}\")", rule.rule);
            let length = rule.pattern.chars().count();
            if length > MAX_REGEX_CHARS {
                return Err(self.invalid(
                    entry,
                    format!(
                        "pattern has {length} characters; at most {MAX_REGEX_CHARS} are allowed"
                    ),
                ));
            }
            if rule.pattern.is_empty() {
                return Err(self.invalid(entry, "pattern is empty"));
            }
            if let Some(reason) = &rule.reason {
                self.check_reason(&format!("{entry}.reason"), reason)?;
            }
            let regex = RegexBuilder::new(&rule.pattern)
                .case_insensitive(rule.case_insensitive)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|error| {
                    self.invalid(
                        entry.clone(),
                        format!("invalid or oversized regex: {error}"),
                    )
                })?;
            compiled.push(RegexRule {
                rule: Arc::from(rule.rule.as_str()),
                regex,
                pattern: Arc::from(rule.pattern.as_str()),
                category: Arc::from(rule.category.as_str()),
                severity: rule.severity,
                action: rule.action,
                reason: rule.reason.as_deref().map(Arc::from),
            });
        }
        Ok(compiled)
    }
}

fn merge_profile(merged: &mut ProfileDocument, parent: &ProfileDocument) {
    // `merged` holds the child's values; fill what it left unset from the parent.
    macro_rules! inherit {
        ($($field:ident),*) => {
            $( if merged.$field.is_none() { merged.$field = parent.$field.clone(); } )*
        };
    }
    inherit!(
        categories,
        allow,
        reason,
        category_reasons,
        mask_char,
        flag_attribute,
        actions,
        evasion,
        links,
        spam,
        senders,
        regex
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_short_words_are_sorted_for_binary_search() {
        assert!(COMMON_SHORT_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(COMMON_SHORT_WORDS_PACKED.windows(2).all(|w| w[0] < w[1]));
        assert!(is_common_short_word(b"go") && is_common_short_word(b"the"));
        assert!(!is_common_short_word(b"sh") && !is_common_short_word(b"goes"));
    }

    #[test]
    fn link_host_strips_scheme_credentials_port_and_path() {
        assert_eq!(
            link_host("https://user@WWW.Example.com:8080/a?b#c"),
            "www.example.com"
        );
        assert_eq!(link_host("evil.com/x"), "evil.com");
    }
}
