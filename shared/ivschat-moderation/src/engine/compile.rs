//! Compiling a [`PolicyDocument`] into a [`CompiledPolicy`]: validating every entry (an
//! [`InvalidEntry`] names the entry and the rule), resolving profile inheritance and building
//! the matchers. `PolicySet` (in `policy_set.rs`) calls this module and wraps its result,
//! adding the file name to errors; nothing here refers back to it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use regex::{Regex, RegexBuilder};

use super::packs::builtin_packs;
use super::profile::{ActionTable, CompiledProfile, LinkRule, RegexRule, SenderRules, SpamRules};
use crate::policy::{
    Action, ActionsDocument, LanguagePackDocument, PolicyDocument, ProfileDocument,
    RegexRuleDocument, Severity, SpamDocument, TermGroupDocument,
};
use crate::terms::{MAX_LANGUAGES, TermGroup, TermMatcher};

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

/// What makes two profiles' term matchers identical: categories, allow list, reversed minimum.
/// Languages are not part of it: one automaton holds every language's groups and each profile
/// skips the languages it does not check, so the language profiles share one automaton.
type MatcherKey = (Vec<String>, Vec<String>, Option<Severity>);

/// A term group with where it came from, for error messages (`terms[3]`,
/// `language pack "es" terms[0]`).
struct SourcedGroup<'a> {
    entry: String,
    group: &'a TermGroupDocument,
    language: Option<&'a str>,
}

/// An entry of the policy document that failed validation. The caller adds the file name
/// (`PolicyError::Invalid` carries all three).
#[derive(Debug)]
pub(super) struct InvalidEntry {
    /// Which entry and rule (`terms[3] (rule "profanity")`, `profiles.kids.regex[0] (rule "phone")`).
    pub(super) entry: String,
    /// What is wrong.
    pub(super) reason: String,
}

/// A compiled policy document: every profile, and where to find one by name or room.
pub(super) struct CompiledPolicy {
    /// Every profile, in the order the names were compiled.
    pub(super) profiles: Vec<CompiledProfile>,
    /// Profile name → index in `profiles`.
    pub(super) by_name: HashMap<String, usize>,
    /// Room ARN or room id → index in `profiles`.
    pub(super) by_room: HashMap<String, usize>,
    /// Index of the profile for rooms not in `by_room`.
    pub(super) default_profile: usize,
}

/// Compiles one policy document: built with [`Compiler::new`], consumed by
/// [`Compiler::compile`].
pub(super) struct Compiler<'a> {
    document: &'a PolicyDocument,
    link_detector: Arc<Regex>,
    matchers: HashMap<MatcherKey, Arc<TermMatcher>>,
    known_categories: HashSet<String>,
    /// The document's groups, then the groups of every built-in pack a profile names.
    groups: Vec<SourcedGroup<'a>>,
    /// Built-in packs (all of them: their hints identify a message's language).
    packs: &'static [LanguagePackDocument],
    /// Language codes by id: the built-in packs first, then other codes the document names.
    languages: Vec<String>,
}

impl<'a> Compiler<'a> {
    /// Prepares to compile `document`: the link detector, the built-in packs, the language ids
    /// and every term group with where it came from.
    pub(super) fn new(document: &'a PolicyDocument) -> Result<Self, InvalidEntry> {
        let link_detector = Regex::new(LINK_PATTERN).map_err(|error| InvalidEntry {
            entry: "link detector".to_string(),
            reason: error.to_string(),
        })?;
        let packs = builtin_packs().map_err(|reason| InvalidEntry {
            entry: "language packs".to_string(),
            reason,
        })?;
        let mut languages: Vec<String> = packs.iter().map(|p| p.language.code.clone()).collect();
        let named = document
            .terms
            .iter()
            .flat_map(|g| g.language.iter().chain(&g.ordinary_in))
            .chain(
                document
                    .profiles
                    .values()
                    .flat_map(|p| p.languages.iter().flatten()),
            );
        for code in named {
            if !languages.contains(code) {
                languages.push(code.clone());
            }
        }
        let mut groups: Vec<SourcedGroup<'a>> = document
            .terms
            .iter()
            .enumerate()
            .map(|(index, group)| SourcedGroup {
                entry: format!("terms[{index}] (rule \"{}\")", group.rule),
                group,
                language: group.language.as_deref(),
            })
            .collect();
        let used: HashSet<&str> = document
            .profiles
            .values()
            .flat_map(|p| p.languages.iter().flatten())
            .map(String::as_str)
            .collect();
        for pack in packs
            .iter()
            .filter(|p| used.contains(p.language.code.as_str()))
        {
            for (index, group) in pack.terms.iter().enumerate() {
                groups.push(SourcedGroup {
                    entry: format!(
                        "language pack \"{}\" terms[{index}] (rule \"{}\")",
                        pack.language.code, group.rule
                    ),
                    group,
                    language: Some(pack.language.code.as_str()),
                });
            }
        }
        let mut known_categories: HashSet<String> =
            groups.iter().map(|g| g.group.category.clone()).collect();
        for profile in document.profiles.values() {
            for rule in profile.regex.iter().flatten() {
                known_categories.insert(rule.category.clone());
            }
        }
        Ok(Compiler {
            document,
            link_detector: Arc::new(link_detector),
            matchers: HashMap::new(),
            known_categories,
            groups,
            packs,
            languages,
        })
    }

    fn language_id(&self, code: &str) -> Option<u8> {
        self.languages
            .iter()
            .position(|c| c == code)
            .and_then(|id| u8::try_from(id).ok())
    }

    fn invalid(&self, entry: impl Into<String>, reason: impl Into<String>) -> InvalidEntry {
        InvalidEntry {
            entry: entry.into(),
            reason: reason.into(),
        }
    }

    /// Validates every entry and compiles every profile; the first invalid entry ends it.
    pub(super) fn compile(mut self) -> Result<CompiledPolicy, InvalidEntry> {
        let document = self.document;
        if self.languages.len() > MAX_LANGUAGES {
            return Err(self.invalid(
                "languages",
                format!("the policy names more than {MAX_LANGUAGES} languages"),
            ));
        }
        for sourced in &self.groups {
            let group = sourced.group;
            if group.patterns.is_empty() {
                return Err(self.invalid(sourced.entry.clone(), "has no patterns"));
            }
            if group.rule.trim().is_empty() {
                return Err(self.invalid(sourced.entry.clone(), "rule id is empty"));
            }
            if let Some(reason) = &group.reason {
                self.check_reason(&format!("{}.reason", sourced.entry), reason)?;
            }
            for code in group.language.iter().chain(&group.ordinary_in) {
                if !is_language_code(code) {
                    return Err(self.invalid(
                        sourced.entry.clone(),
                        format!(
                            "\"{code}\" is not an ISO 639 language code (2-3 lower-case letters)"
                        ),
                    ));
                }
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
        Ok(CompiledPolicy {
            profiles,
            by_name,
            by_room,
            default_profile,
        })
    }

    fn resolve_profile(&self, name: &str) -> Result<ProfileDocument, InvalidEntry> {
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

    fn check_reason(&self, entry: &str, reason: &str) -> Result<(), InvalidEntry> {
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

    fn check_category(&self, entry: &str, category: &str) -> Result<(), InvalidEntry> {
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
    ) -> Result<CompiledProfile, InvalidEntry> {
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
                .groups
                .iter()
                .map(|g| g.group.category.clone())
                .collect(),
        };
        categories.sort();
        categories.dedup();
        let languages: Vec<String> = profile.languages.clone().unwrap_or_default();
        for code in &languages {
            let builtin = self.packs.iter().any(|p| &p.language.code == code);
            let in_document = self
                .document
                .terms
                .iter()
                .any(|g| g.language.as_ref() == Some(code));
            if !builtin && !in_document {
                let codes: Vec<&str> = self
                    .packs
                    .iter()
                    .map(|p| p.language.code.as_str())
                    .collect();
                return Err(self.invalid(
                    at("languages"),
                    format!(
                        "unknown language \"{code}\" (built-in packs: {}; or give term groups that language)",
                        codes.join(", ")
                    ),
                ));
            }
        }
        let main_language = languages.first().and_then(|code| self.language_id(code));
        let language_mask = languages
            .iter()
            .filter_map(|code| self.language_id(code))
            .fold(0u32, |mask, id| mask | (1u32 << (u32::from(id) % 32)));
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
            languages: languages.into_iter().map(Arc::from).collect(),
            main_language,
            language_mask,
            language_codes: self
                .languages
                .iter()
                .map(|c| Arc::from(c.as_str()))
                .collect(),
        })
    }

    fn build_matcher(
        &self,
        profile: &str,
        categories: &[String],
        allow: &[String],
        reversed_min: Option<Severity>,
    ) -> Result<TermMatcher, InvalidEntry> {
        let mut group_indices = Vec::new();
        let mut groups = Vec::new();
        for (index, sourced) in self.groups.iter().enumerate() {
            let group = sourced.group;
            if !categories.contains(&group.category) {
                continue;
            }
            let ordinary_in = group
                .ordinary_in
                .iter()
                .filter_map(|code| self.language_id(code))
                .fold(0u32, |mask, id| mask | (1u32 << (u32::from(id) % 32)));
            group_indices.push(index);
            groups.push((
                TermGroup {
                    rule: Arc::from(group.rule.as_str()),
                    category: Arc::from(group.category.as_str()),
                    severity: group.severity,
                    action: group.action,
                    reason: group.reason.as_deref().map(Arc::from),
                    ordinary_in,
                    language: sourced.language.and_then(|code| self.language_id(code)),
                },
                group.patterns.clone(),
            ));
        }
        let hints: Vec<(u8, Vec<String>)> = self
            .packs
            .iter()
            .filter_map(|pack| {
                let id = self.language_id(&pack.language.code)?;
                Some((id, pack.language.hints.clone()))
            })
            .collect();
        let language_allow: Vec<(u8, Vec<String>)> = self
            .packs
            .iter()
            .filter_map(|pack| {
                let id = self.language_id(&pack.language.code)?;
                Some((id, pack.language.allow.clone()))
            })
            .collect();
        TermMatcher::build(groups, allow, &language_allow, &hints, reversed_min).map_err(|error| {
            match error.group {
                Some(local) => {
                    let index = group_indices.get(local).copied().unwrap_or(local);
                    let entry = self
                        .groups
                        .get(index)
                        .map_or_else(|| format!("terms[{index}]"), |g| g.entry.clone());
                    self.invalid(
                        entry,
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
            }
        })
    }

    fn compile_actions(
        &self,
        profile: &str,
        actions: &ActionsDocument,
    ) -> Result<ActionTable, InvalidEntry> {
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
    ) -> Result<SpamRules, InvalidEntry> {
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
        let action = spam.action.unwrap_or(Action::Deny);
        Ok(SpamRules {
            max_repeated_char: spam.max_repeated_char,
            max_caps_ratio: spam.max_caps_ratio,
            caps_min_length: spam.caps_min_length.unwrap_or(DEFAULT_CAPS_MIN_LENGTH),
            max_code_points: spam.max_code_points,
            repeated_char_action: spam.repeated_char_action.unwrap_or(action),
            caps_action: spam.caps_action.unwrap_or(action),
            length_action: spam.length_action.unwrap_or(action),
        })
    }

    fn compile_regex(
        &self,
        profile: &str,
        rules: &[RegexRuleDocument],
    ) -> Result<Vec<RegexRule>, InvalidEntry> {
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

/// ISO 639-1/639-3 shape: two or three lower-case ASCII letters.
fn is_language_code(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase())
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
        languages,
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
