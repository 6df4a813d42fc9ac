//! Deciding one message with a [`CompiledProfile`]: sender, spam, term, regex and link rules, then
//! the verdict.

use std::cell::RefCell;
use std::sync::Arc;

use super::decision::{Decision, MessageContext, RuleHit, RuleKind, Verdict};
use super::decision_scratch::DecisionScratch;
use super::profile::CompiledProfile;
use super::split_words::find_split_words;
use crate::normalise::{ScriptFold, normalise_into};
use crate::policy::{Action, LinkAction, Severity};
use crate::terms::{TermGroup, TermHit};

thread_local! {
    static SCRATCH: RefCell<DecisionScratch> = RefCell::new(DecisionScratch::default());
}

impl CompiledProfile {
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

    /// The language the message reads as by the built-in packs' hint words (the language with
    /// strictly the most of them), the signal that decides terms marked `ordinary_in`. `None`
    /// when no language leads, or when no term of the policy is marked (then there are no
    /// hints).
    pub fn message_language(&self, content: &str) -> Option<&str> {
        let run = |scratch: &mut DecisionScratch| {
            normalise_into(
                content,
                ScriptFold::MixedTokens,
                &mut scratch.normaliser,
                &mut scratch.primary,
            );
            self.terms.hinted_language(&scratch.primary)
        };
        let id = SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => run(&mut scratch),
            Err(_) => run(&mut DecisionScratch::default()),
        })?;
        self.language_codes.get(usize::from(id)).map(|code| &**code)
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
        let SpamStats {
            code_points,
            letters,
            capitals,
            run_over_limit,
        } = spam_stats(content, spam.max_repeated_char);
        if let Some(max) = spam.max_code_points
            && code_points > max
        {
            let reason = format!("Your message is longer than {max} characters.");
            hits.push(self.spam_hit("spam.length", 0..content.len(), &reason, spam.length_action));
        }
        if let Some(span) = run_over_limit {
            hits.push(self.spam_hit(
                "spam.repeated_char",
                span,
                "Your message repeats one character too many times.",
                spam.repeated_char_action,
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
                spam.caps_action,
            ));
        }
    }

    fn check_terms(&self, content: &str, hits: &mut Vec<RuleHit>) {
        let mut run = |scratch: &mut DecisionScratch| {
            scratch.hits.clear();
            scratch.matches.main_language = self.main_language;
            scratch.matches.languages = self.language_mask;
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

/// What the spam rules measure in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SpamStats {
    code_points: u32,
    /// Cased letters (scripts without case do not count).
    letters: u32,
    capitals: u32,
    /// The byte span of the first longest run of one repeated code point, if that run is
    /// longer than the limit asked for.
    run_over_limit: Option<std::ops::Range<usize>>,
}

/// Measures `content` for the spam rules, looking for a run of one code point longer than
/// `run_limit`; ASCII text is read as bytes.
fn spam_stats(content: &str, run_limit: Option<u32>) -> SpamStats {
    if content.is_ascii() {
        spam_stats_ascii(content.as_bytes(), run_limit)
    } else {
        spam_stats_chars(content, run_limit)
    }
}

fn spam_stats_ascii(bytes: &[u8], run_limit: Option<u32>) -> SpamStats {
    // Counting loops without branches, so the compiler can vectorise them.
    let letters = bytes
        .iter()
        .map(|&byte| u32::from((byte | 0x20).wrapping_sub(b'a') < 26))
        .sum();
    let capitals = bytes
        .iter()
        .map(|&byte| u32::from(byte.wrapping_sub(b'A') < 26))
        .sum();
    SpamStats {
        code_points: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
        letters,
        capitals,
        run_over_limit: run_limit.and_then(|limit| ascii_run_over(bytes, limit)),
    }
}

/// The first longest run of one byte, if longer than `limit`.
fn ascii_run_over(bytes: &[u8], limit: u32) -> Option<std::ops::Range<usize>> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    // A run of n bytes has n - 1 neighbours equal: with fewer than `limit` such pairs in the
    // whole message (ordinary text), no run is longer than `limit`.
    let equal_pairs: usize = bytes
        .iter()
        .zip(bytes.iter().skip(1))
        .map(|(a, b)| usize::from(a == b))
        .sum();
    if equal_pairs < limit {
        return None;
    }
    let mut longest = 0..bytes.len().min(1);
    let mut run_start = 0;
    for (index, pair) in bytes.windows(2).enumerate() {
        if pair[0] != pair[1] {
            run_start = index + 1;
        } else if index + 2 - run_start > longest.len() {
            longest = run_start..index + 2;
        }
    }
    (longest.len() > limit).then_some(longest)
}

/// Whether a code point is an upper-case letter, a lower-case one, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LetterCase {
    Upper,
    Lower,
    Uncased,
}

/// [`char::is_uppercase`] and [`char::is_lowercase`], answered from code-point ranges for the
/// scripts chat is most often written in (ASCII, Latin-1, basic Greek and Cyrillic, and the
/// uncased Arabic, Hebrew, Indic, kana and CJK blocks), and by the standard library's tables
/// otherwise.
fn letter_case(c: char) -> LetterCase {
    if c.is_ascii() {
        return if c.is_ascii_uppercase() {
            LetterCase::Upper
        } else if c.is_ascii_lowercase() {
            LetterCase::Lower
        } else {
            LetterCase::Uncased
        };
    }
    let code = u32::from(c);
    if (0x400..=0x45F).contains(&code) {
        // Basic Cyrillic: capitals, then small letters.
        return if code < 0x430 {
            LetterCase::Upper
        } else {
            LetterCase::Lower
        };
    }
    match code {
        // Kana, CJK ideographs, Hangul syllables, Hebrew, Arabic and the Indic blocks.
        0x3040..=0x30FF | 0x4E00..=0x9FFF | 0xAC00..=0xD7A3 | 0x590..=0x6FF | 0x900..=0xDFF => {
            LetterCase::Uncased
        }
        0xC0..=0xD6 | 0xD8..=0xDE | 0x391..=0x3A1 | 0x3A3..=0x3A9 => LetterCase::Upper,
        0xDF..=0xF6 | 0xF8..=0xFF | 0x3AC..=0x3CE => LetterCase::Lower,
        _ if c.is_uppercase() => LetterCase::Upper,
        _ if c.is_lowercase() => LetterCase::Lower,
        _ => LetterCase::Uncased,
    }
}

fn spam_stats_chars(content: &str, run_limit: Option<u32>) -> SpamStats {
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
        match letter_case(c) {
            LetterCase::Upper => {
                capitals += 1;
                letters += 1;
            }
            LetterCase::Lower => letters += 1,
            LetterCase::Uncased => {}
        }
    }
    SpamStats {
        code_points,
        letters,
        capitals,
        run_over_limit: run_limit
            .filter(|&limit| longest.0 > limit)
            .map(|_| longest.1..longest.2),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_host_strips_scheme_credentials_port_and_path() {
        assert_eq!(
            link_host("https://user@WWW.Example.com:8080/a?b#c"),
            "www.example.com"
        );
        assert_eq!(link_host("evil.com/x"), "evil.com");
    }

    proptest::proptest! {
        #[test]
        fn ascii_spam_stats_read_bytes_as_the_char_loop_reads_chars(
            text in "(a{0,6}|[a-cA-C0-9 !.]){0,30}",
            limit in proptest::option::of(0u32..8),
        ) {
            proptest::prop_assert_eq!(
                spam_stats_ascii(text.as_bytes(), limit),
                spam_stats_chars(&text, limit)
            );
        }
    }

    #[test]
    fn spam_stats_count_cased_letters_only() {
        let stats = spam_stats("ÉCOLE école 日本 !!!", Some(2));
        assert_eq!((stats.letters, stats.capitals), (10, 5));
        assert_eq!(stats.run_over_limit, Some(21..24));
        assert_eq!(stats.code_points, 18);
        assert_eq!(
            spam_stats("ÉCOLE école 日本 !!!", Some(3)).run_over_limit,
            None
        );
        assert_eq!(spam_stats("aaaa bb", Some(3)).run_over_limit, Some(0..4));
        assert_eq!(spam_stats("aaaa bb", Some(4)).run_over_limit, None);
    }

    #[test]
    fn letter_case_ranges_agree_with_the_standard_library() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let expected = if c.is_uppercase() {
                LetterCase::Upper
            } else if c.is_lowercase() {
                LetterCase::Lower
            } else {
                LetterCase::Uncased
            };
            assert_eq!(letter_case(c), expected, "{c:?} U+{:04X}", u32::from(c));
        }
    }
}
