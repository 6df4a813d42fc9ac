//! Deciding one message with a [`CompiledProfile`]: sender, spam, term, regex and link rules, then
//! the verdict.

use std::cell::RefCell;
use std::sync::Arc;

use super::decision::{Decision, MessageContext, RuleHit, RuleKind, Verdict};
use super::profile::CompiledProfile;
use super::split_words::find_split_words;
use crate::normalise::{NormalisedText, NormaliserScratch, ScriptFold, normalise_into};
use crate::policy::{Action, LinkAction, Severity};
use crate::terms::{MatchScratch, TermGroup, TermHit};

/// Term-matching buffers, reused between decisions on one thread instead of allocated per message.
#[derive(Default)]
pub(super) struct DecisionScratch {
    pub(super) normaliser: NormaliserScratch,
    pub(super) primary: NormalisedText,
    pub(super) secondary: NormalisedText,
    pub(super) reversed: NormalisedText,
    pub(super) matches: MatchScratch,
    pub(super) hits: Vec<TermHit>,
    pub(super) tokens: Vec<(usize, usize)>,
    pub(super) compact: String,
}

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
            hits.push(self.spam_hit("spam.length", 0..content.len(), &reason, spam.length_action));
        }
        if let Some(max) = spam.max_repeated_char
            && longest.0 > max
        {
            hits.push(self.spam_hit(
                "spam.repeated_char",
                longest.1..longest.2,
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
}
