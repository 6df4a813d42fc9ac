//! Block-list and allow-list terms, matched with one Aho-Corasick automaton over normalised
//! text.
//!
//! Each term has Discord's wildcard semantics: `word` matches a whole word (or phrase), `word*`
//! a word that starts with it, `*word` a word that ends with it, `*word*` anywhere. Patterns go
//! through the same normaliser as messages; the automaton holds the collapsed form and each
//! entry remembers the pattern's own letter run lengths, so `ass` needs a double `s` in the
//! input while `fuuuck` still matches `fuck`, and a legitimate double letter never makes a match
//! on its own (`shiitake` is not `shit*`; see `runs_match`). Allow-list entries are matched in the same pass
//! on the same normalised text and suppress every term match whose span they cover (the
//! Scunthorpe defence).

use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::normalise::{NormalisedText, NormaliserScratch, ScriptFold, normalise_into};
use crate::policy::{Action, Severity};

/// Longest term or allow-list entry, in code points (Discord allows 60).
pub const MAX_TERM_CHARS: usize = 100;

/// Most languages one policy can name (language ids are bits of a `u32`).
pub const MAX_LANGUAGES: usize = 32;

/// How a term must sit in the text to match (Discord's keyword wildcards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchMode {
    /// `term`: the whole word or phrase.
    Word,
    /// `term*`: a word starting with the term.
    Prefix,
    /// `*term`: a word ending with the term.
    Suffix,
    /// `*term*`: anywhere, even inside a word.
    Anywhere,
}

impl MatchMode {
    /// The mode of the same term written backwards (prefix and suffix swap).
    pub fn reversed(self) -> MatchMode {
        match self {
            MatchMode::Prefix => MatchMode::Suffix,
            MatchMode::Suffix => MatchMode::Prefix,
            other => other,
        }
    }

    /// Splits a pattern into its mode and its text (`*cat*` → `Anywhere`, `cat`).
    ///
    /// Fails when the pattern is empty, too long, or has `*` other than at its ends.
    pub fn parse(pattern: &str) -> Result<(MatchMode, &str), String> {
        let trimmed = pattern.trim();
        if trimmed.chars().count() > MAX_TERM_CHARS {
            return Err(format!("longer than {MAX_TERM_CHARS} characters"));
        }
        let (leading, rest) = match trimmed.strip_prefix('*') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let (trailing, core) = match rest.strip_suffix('*') {
            Some(core) => (true, core),
            None => (false, rest),
        };
        if core.contains('*') {
            return Err("'*' is only allowed as the first or last character".to_string());
        }
        if core.trim().is_empty() {
            return Err("is empty".to_string());
        }
        let mode = match (leading, trailing) {
            (false, false) => MatchMode::Word,
            (false, true) => MatchMode::Prefix,
            (true, false) => MatchMode::Suffix,
            (true, true) => MatchMode::Anywhere,
        };
        Ok((mode, core))
    }
}

/// The rule a set of terms belongs to.
#[derive(Debug, Clone)]
pub struct TermGroup {
    /// Rule id reported when one of its terms matches.
    pub rule: Arc<str>,
    /// Category (e.g. `profanity`).
    pub category: Arc<str>,
    /// Severity.
    pub severity: Severity,
    /// Action for this rule, overriding the profile's category and severity actions.
    pub action: Option<Action>,
    /// Reason shown to the sender on DENY, overriding the profile's.
    pub reason: Option<Arc<str>>,
    /// Languages (bit `i` = language id `i`) in which the group's words are ordinary words: a
    /// match is dropped when the message reads as one of them (see [`TermMatcher::build`]).
    pub ordinary_in: u32,
    /// The group's language id: it is checked only for profiles whose language mask has it.
    /// `None`: every profile.
    pub language: Option<u8>,
}

/// One block-list term.
#[derive(Debug, Clone)]
pub(crate) struct TermInfo {
    /// Index into the groups.
    pub group: u32,
    /// The pattern as written in the policy.
    pub pattern: Arc<str>,
    mode: MatchMode,
    /// Normalised, un-collapsed form (for masked-form matching).
    expanded: Box<str>,
}

impl TermInfo {
    /// Length of the normalised, un-collapsed term in characters.
    pub(crate) fn expanded_len(&self) -> usize {
        self.expanded.chars().count()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Term(u32),
    /// An allow entry; of a language pack (language id) or of every profile (`None`).
    Allow(Option<u8>),
}

#[derive(Debug, Clone)]
struct Entry {
    target: Target,
    mode: MatchMode,
    /// The pattern's own run length per byte of its collapsed form.
    runs: Box<[u8]>,
}

/// A term match, in byte offsets of the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TermHit {
    /// Index of the term.
    pub term: u32,
    /// Original byte range.
    pub start: usize,
    pub end: usize,
}

/// Reusable buffers for [`TermMatcher::find`].
#[derive(Debug, Default)]
pub(crate) struct MatchScratch {
    raw: Vec<(u32, u32, u32)>,
    allows: Vec<(u32, u32)>,
    /// The profile's main language id: how a message without language hints reads.
    pub(crate) main_language: Option<u8>,
    /// The profile's languages (bit `i` = language id `i`): terms and allow entries of other
    /// languages are skipped.
    pub(crate) languages: u32,
}

/// A compiled block list plus allow list.
#[derive(Debug)]
pub struct TermMatcher {
    automaton: Option<AhoCorasick>,
    /// For each automaton pattern, its range in `entries`.
    pattern_entries: Vec<(u32, u32)>,
    entries: Vec<Entry>,
    terms: Vec<TermInfo>,
    groups: Vec<TermGroup>,
    /// Terms by first letter, for masked-form matching.
    masked_index: HashMap<char, Vec<u32>>,
    /// Language hint words (whole words), searched only when a term marked `ordinary_in`
    /// matched: most messages never pay for them.
    hints: Option<AhoCorasick>,
    /// The language id and letter runs of each hint pattern.
    hint_languages: Vec<(u8, Box<[u8]>)>,
}

/// A term or allow-list entry that could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermError {
    /// The pattern as written.
    pub pattern: String,
    /// Which group it came from (`None` for allow-list entries).
    pub group: Option<usize>,
    /// What is wrong with it.
    pub reason: String,
}

struct Builder {
    scratch: NormaliserScratch,
    normalised: NormalisedText,
    by_text: HashMap<String, Vec<Entry>>,
}

impl Builder {
    fn normalise_pattern(&mut self, pattern: &str) -> Result<(MatchMode, String, Vec<u8>), String> {
        let (mode, core) = MatchMode::parse(pattern)?;
        normalise_into(
            core,
            ScriptFold::MixedTokens,
            &mut self.scratch,
            &mut self.normalised,
        );
        let text = self.normalised.as_str();
        if text.is_empty() {
            return Err("has no letters or digits after normalisation".to_string());
        }
        Ok((mode, text.to_string(), self.normalised.runs().to_vec()))
    }
}

impl TermMatcher {
    /// Compiles term groups (each with its patterns) and allow-list entries.
    ///
    /// Fails on the first pattern that is empty, too long, misuses `*`, or normalises to
    /// nothing, or if the automaton cannot be built.
    ///
    /// Terms of at least `reversed_min` severity with 4 or more letters are also added written
    /// backwards (`kcuf`), so reversed text is caught in the same single pass.
    ///
    /// `language_allow` are allow entries of one language id each (a language pack's), used
    /// only by profiles with that language. `hints` are, per language id (below
    /// [`MAX_LANGUAGES`]), whole words that mark a message as written in that language; they are
    /// searched (in a second, small automaton) only when a group with `ordinary_in` languages
    /// matched: such a match is dropped when the message has more hints of one of those
    /// languages than of any other language, or, with no hints at all, when the profile's main
    /// language is one of them.
    pub fn build(
        groups: Vec<(TermGroup, Vec<String>)>,
        allow: &[String],
        language_allow: &[(u8, Vec<String>)],
        hints: &[(u8, Vec<String>)],
        reversed_min: Option<Severity>,
    ) -> Result<TermMatcher, TermError> {
        let mut builder = Builder {
            scratch: NormaliserScratch::default(),
            normalised: NormalisedText::default(),
            by_text: HashMap::new(),
        };
        let mut terms = Vec::new();
        let mut compiled_groups = Vec::with_capacity(groups.len());
        let mut masked_index: HashMap<char, Vec<u32>> = HashMap::new();
        for (group_index, (group, patterns)) in groups.into_iter().enumerate() {
            let group_id = u32::try_from(group_index).unwrap_or(u32::MAX);
            let add_reversed = reversed_min.is_some_and(|min| group.severity >= min);
            for pattern in patterns {
                let (mode, text, runs) =
                    builder
                        .normalise_pattern(&pattern)
                        .map_err(|reason| TermError {
                            pattern: pattern.clone(),
                            group: Some(group_index),
                            reason,
                        })?;
                let term_id = u32::try_from(terms.len()).unwrap_or(u32::MAX);
                let expanded = expand(&text, &runs);
                if !expanded.contains(' ')
                    && expanded.chars().count() >= 3
                    && let Some(first) = expanded.chars().next()
                {
                    masked_index.entry(first).or_default().push(term_id);
                }
                terms.push(TermInfo {
                    group: group_id,
                    pattern: Arc::from(pattern.as_str()),
                    mode,
                    expanded: expanded.into_boxed_str(),
                });
                // Whole-word terms are not reversed: their reversals are ordinary words too
                // often (`neger` → `Regen`, `gook` → `koog`, `troon` → `Noort`).
                if add_reversed
                    && mode != MatchMode::Word
                    && terms
                        .last()
                        .is_some_and(|t: &TermInfo| t.expanded_len() >= 4)
                {
                    let (reversed_text, reversed_runs) = reverse_pattern(&text, &runs);
                    if reversed_text != text {
                        builder
                            .by_text
                            .entry(reversed_text)
                            .or_default()
                            .push(Entry {
                                target: Target::Term(term_id),
                                // Only a whole reversed word (`kcuf`): reversed affixes are
                                // everywhere in ordinary words (`laggin`, `hydrater`).
                                mode: MatchMode::Word,
                                runs: reversed_runs.into_boxed_slice(),
                            });
                    }
                }
                builder.by_text.entry(text).or_default().push(Entry {
                    target: Target::Term(term_id),
                    mode,
                    runs: runs.into_boxed_slice(),
                });
            }
            compiled_groups.push(group);
        }
        let has_ordinary = compiled_groups
            .iter()
            .any(|g: &TermGroup| g.ordinary_in != 0);
        let mut hint_texts = Vec::new();
        let mut hint_languages = Vec::new();
        for (language, words) in hints.iter().filter(|_| has_ordinary) {
            if usize::from(*language) >= MAX_LANGUAGES {
                return Err(TermError {
                    pattern: String::new(),
                    group: None,
                    reason: format!("more than {MAX_LANGUAGES} languages"),
                });
            }
            for word in words {
                let (_, text, runs) =
                    builder
                        .normalise_pattern(word)
                        .map_err(|reason| TermError {
                            pattern: word.clone(),
                            group: None,
                            reason: format!("language hint: {reason}"),
                        })?;
                hint_texts.push(text);
                hint_languages.push((*language, runs.into_boxed_slice()));
            }
        }
        let all_allow = allow.iter().map(|p| (None, p)).chain(
            language_allow
                .iter()
                .flat_map(|(language, list)| list.iter().map(move |p| (Some(*language), p))),
        );
        for (language, pattern) in all_allow {
            let (mode, text, runs) =
                builder
                    .normalise_pattern(pattern)
                    .map_err(|reason| TermError {
                        pattern: pattern.clone(),
                        group: None,
                        reason,
                    })?;
            builder.by_text.entry(text).or_default().push(Entry {
                target: Target::Allow(language),
                mode,
                runs: runs.into_boxed_slice(),
            });
        }

        let mut patterns = Vec::with_capacity(builder.by_text.len());
        let mut pattern_entries = Vec::with_capacity(builder.by_text.len());
        let mut entries = Vec::new();
        // Sort for a deterministic automaton regardless of hash order.
        let mut by_text: Vec<(String, Vec<Entry>)> = builder.by_text.into_iter().collect();
        by_text.sort_by(|a, b| a.0.cmp(&b.0));
        for (text, group_entries) in by_text {
            let first = u32::try_from(entries.len()).unwrap_or(u32::MAX);
            entries.extend(group_entries);
            let last = u32::try_from(entries.len()).unwrap_or(u32::MAX);
            pattern_entries.push((first, last));
            patterns.push(text);
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
                    .map_err(|error| TermError {
                        pattern: String::new(),
                        group: None,
                        reason: format!("automaton could not be built: {error}"),
                    })?,
            )
        };
        let hints = if hint_texts.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .match_kind(MatchKind::Standard)
                    .build(&hint_texts)
                    .map_err(|error| TermError {
                        pattern: String::new(),
                        group: None,
                        reason: format!("hint automaton could not be built: {error}"),
                    })?,
            )
        };
        Ok(TermMatcher {
            automaton,
            pattern_entries,
            entries,
            terms,
            groups: compiled_groups,
            masked_index,
            hints,
            hint_languages,
        })
    }

    /// Number of block-list terms.
    pub fn term_count(&self) -> usize {
        self.terms.len()
    }

    /// Heap bytes used by the automaton (the bulk of a compiled policy).
    pub fn automaton_memory_usage(&self) -> usize {
        self.automaton.as_ref().map_or(0, AhoCorasick::memory_usage)
    }

    pub(crate) fn term(&self, term: u32) -> Option<&TermInfo> {
        self.terms.get(term as usize)
    }

    pub(crate) fn group(&self, group: u32) -> Option<&TermGroup> {
        self.groups.get(group as usize)
    }

    /// The language id with strictly the most hint words in the normalised text, if any.
    pub(crate) fn hinted_language(&self, text: &NormalisedText) -> Option<u8> {
        let hints = self.hints.as_ref()?;
        let haystack = text.as_str().as_bytes();
        let mut counts = [0u16; MAX_LANGUAGES];
        for found in hints.find_overlapping_iter(haystack) {
            let Some((language, runs)) = self.hint_languages.get(found.pattern().as_usize()) else {
                continue;
            };
            // Whole words with the hint's own letter runs (`bite` is not `bitte`).
            if !mode_matches(haystack, found.start(), found.end(), MatchMode::Word)
                || !runs_match(
                    text.runs(),
                    found.start(),
                    &haystack[found.start()..found.end()],
                    runs,
                    MatchMode::Word,
                    false,
                )
            {
                continue;
            }
            if let Some(count) = counts.get_mut(usize::from(*language)) {
                *count = count.saturating_add(1);
            }
        }
        message_language(&counts)
    }

    fn language_of(&self, term: u32) -> Option<u8> {
        self.term(term)
            .and_then(|t| self.group(t.group))
            .and_then(|g| g.language)
    }

    fn is_ordinary_in_any(&self, term: u32) -> bool {
        self.term(term)
            .and_then(|t| self.group(t.group))
            .is_some_and(|g| g.ordinary_in != 0)
    }

    /// Whether the term's words are ordinary words of this language id.
    fn is_ordinary_in(&self, term: u32, language: u8) -> bool {
        let ordinary_in = self
            .term(term)
            .and_then(|t| self.group(t.group))
            .map_or(0, |g| g.ordinary_in);
        ordinary_in & (1u32 << (u32::from(language) % 32)) != 0
    }

    fn severity_of(&self, term: u32) -> Severity {
        self.term(term)
            .and_then(|t| self.group(t.group))
            .map_or(Severity::Low, |g| g.severity)
    }

    /// Appends the block-list matches in `text` that no allow-list match covers, skipping terms
    /// below `min_severity`.
    pub(crate) fn find(
        &self,
        text: &NormalisedText,
        min_severity: Option<Severity>,
        scratch: &mut MatchScratch,
        hits: &mut Vec<TermHit>,
    ) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        let haystack = text.as_str().as_bytes();
        scratch.raw.clear();
        scratch.allows.clear();
        let languages = scratch.languages;
        for found in automaton.find_overlapping_iter(haystack) {
            let (start, end) = (found.start(), found.end());
            let Some(&(first, last)) = self.pattern_entries.get(found.pattern().as_usize()) else {
                continue;
            };
            for entry in &self.entries[first as usize..last as usize] {
                // Allow entries need the exact letter runs ("snigger" must not cover "sniggger").
                let exact = matches!(entry.target, Target::Allow(_));
                if !mode_matches(haystack, start, end, entry.mode)
                    || !runs_match(
                        text.runs(),
                        start,
                        &haystack[start..end],
                        &entry.runs,
                        entry.mode,
                        exact,
                    )
                {
                    continue;
                }
                let (span_start, span_end) = match entry.mode {
                    MatchMode::Word => (start, end),
                    _ => (word_start(haystack, start), word_end(haystack, end)),
                };
                let span = (
                    u32::try_from(span_start).unwrap_or(u32::MAX),
                    u32::try_from(span_end).unwrap_or(u32::MAX),
                );
                match entry.target {
                    Target::Allow(language) => {
                        if in_languages(language, languages) {
                            scratch.allows.push(span);
                        }
                    }
                    Target::Term(term) => {
                        if min_severity.is_some_and(|min| self.severity_of(term) < min)
                            || !in_languages(self.language_of(term), languages)
                        {
                            continue;
                        }
                        scratch.raw.push((term, span.0, span.1));
                    }
                }
            }
        }
        // The message's language, only when a term that is ordinary somewhere matched.
        let reads_as = if scratch
            .raw
            .iter()
            .any(|&(term, _, _)| self.is_ordinary_in_any(term))
        {
            self.hinted_language(text).or(scratch.main_language)
        } else {
            None
        };
        for &(term, start, end) in &scratch.raw {
            let covered = scratch
                .allows
                .iter()
                .any(|&(a_start, a_end)| a_start <= start && end <= a_end);
            if covered || reads_as.is_some_and(|language| self.is_ordinary_in(term, language)) {
                continue;
            }
            let range = text.original_range(start as usize, end as usize);
            hits.push(TermHit {
                term,
                start: range.start,
                end: range.end,
            });
        }
    }

    /// The term of at least `min_severity` that the whole of `text` spells (letter runs
    /// satisfied), unless an allow-list entry spells all of it too.
    pub(crate) fn whole_text_term(
        &self,
        text: &NormalisedText,
        min_severity: Severity,
        languages: u32,
    ) -> Option<u32> {
        let automaton = self.automaton.as_ref()?;
        let haystack = text.as_str().as_bytes();
        let mut found = None;
        for candidate in automaton.find_overlapping_iter(haystack) {
            if candidate.start() != 0 || candidate.end() != haystack.len() {
                continue;
            }
            let Some(&(first, last)) = self.pattern_entries.get(candidate.pattern().as_usize())
            else {
                continue;
            };
            for entry in &self.entries[first as usize..last as usize] {
                let exact = matches!(entry.target, Target::Allow(_));
                // The whole text is one word: no end is open.
                if !runs_match(
                    text.runs(),
                    0,
                    haystack,
                    &entry.runs,
                    MatchMode::Word,
                    exact,
                ) {
                    continue;
                }
                match entry.target {
                    Target::Allow(language) if in_languages(language, languages) => return None,
                    Target::Allow(_) => {}
                    Target::Term(term) if !in_languages(self.language_of(term), languages) => {}
                    // Words that are ordinary in another language are never joined from pieces.
                    Target::Term(term) if self.is_ordinary_in_any(term) => {}
                    Target::Term(term) => {
                        if self.severity_of(term) >= min_severity {
                            found.get_or_insert(term);
                        }
                    }
                }
            }
        }
        found
    }

    /// Appends matches of self-censored tokens (`f*ck`, `sh*t`, `mother******`): each `*`
    /// stands for one letter; at least two letters must be visible and the first must match.
    pub(crate) fn find_masked(&self, text: &NormalisedText, hits: &mut Vec<TermHit>) {
        for token in text.masked_tokens() {
            let token_text = text.masked_token_text(token);
            let Some(first) = token_text.chars().next() else {
                continue;
            };
            let Some(candidates) = self.masked_index.get(&first) else {
                continue;
            };
            let token_len = token_text.chars().count();
            // Prefer a term of exactly the token's length (`p*ssy` is `pussy`, not `piss*`), and
            // among those the most severe (`pussy`, not `pissy`).
            let exact_length = candidates
                .iter()
                .filter(|&&id| {
                    self.term(id).is_some_and(|t| {
                        t.expanded_len() == token_len
                            && masked_matches(token_text, &t.expanded, t.mode)
                    })
                })
                .max_by_key(|&&id| (self.severity_of(id), std::cmp::Reverse(id)));
            let exact_length_first = exact_length.into_iter().chain(candidates.iter());
            for &term_id in exact_length_first {
                let Some(term) = self.term(term_id) else {
                    continue;
                };
                if masked_matches(token_text, &term.expanded, term.mode) {
                    hits.push(TermHit {
                        term: term_id,
                        start: token.orig_start as usize,
                        end: token.orig_end as usize,
                    });
                    break;
                }
            }
        }
    }
}

/// Whether an entry of this language (`None`: every language) is used by a profile with these
/// languages.
fn in_languages(language: Option<u8>, languages: u32) -> bool {
    language.is_none_or(|id| languages & (1u32 << (u32::from(id) % 32)) != 0)
}

/// The language id with strictly the most hint words in the message, if any.
fn message_language(counts: &[u16; MAX_LANGUAGES]) -> Option<u8> {
    let mut best: Option<(usize, u16)> = None;
    let mut tied = false;
    for (language, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        match best {
            Some((_, top)) if count < top => {}
            Some((_, top)) if count == top => tied = true,
            _ => {
                best = Some((language, count));
                tied = false;
            }
        }
    }
    if tied {
        return None;
    }
    best.and_then(|(language, _)| u8::try_from(language).ok())
}

/// The pattern written backwards, with its per-byte run lengths.
fn reverse_pattern(text: &str, runs: &[u8]) -> (String, Vec<u8>) {
    let mut reversed = String::with_capacity(text.len());
    let mut reversed_runs = Vec::with_capacity(runs.len());
    for (index, c) in text.char_indices().rev() {
        reversed.push(c);
        let run = runs.get(index).copied().unwrap_or(1);
        reversed_runs.extend(std::iter::repeat_n(run, c.len_utf8()));
    }
    (reversed, reversed_runs)
}

/// Expands a collapsed pattern back to its written letters (`as` with runs `[1, 2]` → `ass`).
fn expand(text: &str, runs: &[u8]) -> String {
    let mut expanded = String::with_capacity(text.len() + 4);
    for (index, c) in text.char_indices() {
        for _ in 0..runs.get(index).copied().unwrap_or(1).max(1) {
            expanded.push(c);
        }
    }
    expanded
}

fn masked_matches(token: &str, term: &str, mode: MatchMode) -> bool {
    let token_len = token.chars().count();
    let term_len = term.chars().count();
    if token_len < term_len || (mode == MatchMode::Word && token_len != term_len) {
        return false;
    }
    let offset = match mode {
        MatchMode::Suffix => token_len - term_len,
        _ => 0,
    };
    let mut visible = 0;
    let mut masked = 0;
    for (t, p) in token.chars().skip(offset).zip(term.chars()) {
        if t == '*' {
            masked += 1;
        } else if t == p {
            visible += 1;
        } else {
            return false;
        }
    }
    masked > 0 && visible >= 2
}

fn is_boundary(text: &[u8], pos: usize) -> bool {
    if pos == 0 || pos >= text.len() {
        return true;
    }
    let (a, b) = (text[pos - 1], text[pos]);
    a == b' '
        || b == b' '
        || (a.is_ascii_digit() && b.is_ascii_alphabetic())
        || (a.is_ascii_alphabetic() && b.is_ascii_digit())
}

fn mode_matches(text: &[u8], start: usize, end: usize, mode: MatchMode) -> bool {
    match mode {
        MatchMode::Word => is_boundary(text, start) && is_boundary(text, end),
        MatchMode::Prefix => is_boundary(text, start),
        MatchMode::Suffix => is_boundary(text, end),
        MatchMode::Anywhere => true,
    }
}

/// Whether the text's letter runs fit the pattern's, for a match of `mode` whose collapsed text
/// is `matched` (the pattern's collapsed text, so its character boundaries are the pattern's).
///
/// The normaliser collapses every run of one letter, so a collapsed match alone could be made
/// by collapsing a legitimate double letter (`shiitake` collapses to `shitake`, which starts with
/// `shit`). A collapsed match therefore counts only when, letter by letter, the written text
/// accounts for the difference:
///
/// - the same run as the pattern's (`ass` needs the double `s`: `as` is not `ass`);
/// - a stretch: three or more of the letter where the pattern has fewer (`fuuuck`, `aaassss`),
///   for terms only; a double letter is how ordinary words spell (`shiitake`, `Saab`, `Cooke`,
///   `poorness` is not `porn…`, `Bonner` is not `boner`), never a stretch;
/// - or a longer run at an end of the pattern where the mode lets the word go on (the last
///   letter of `shit*` in `shitty`, the first of `*shit` in `sshit`): there the uncollapsed text
///   holds the pattern literally and the extra letters belong to the rest of the word.
///
/// Allow entries (`exact`) take no stretches: `snigger*` must not cover `sniggger`.
fn runs_match(
    text_runs: &[u8],
    start: usize,
    matched: &[u8],
    pattern_runs: &[u8],
    mode: MatchMode,
    exact: bool,
) -> bool {
    let open_before = matches!(mode, MatchMode::Suffix | MatchMode::Anywhere);
    let open_after = matches!(mode, MatchMode::Prefix | MatchMode::Anywhere);
    // Byte ranges of the pattern's first and last characters (every byte of a character
    // carries the same run).
    let first_end = matched
        .iter()
        .skip(1)
        .position(|&b| !is_continuation_byte(b))
        .map_or(matched.len(), |p| p + 1);
    let last_start = matched
        .iter()
        .rposition(|&b| !is_continuation_byte(b))
        .unwrap_or(0);
    pattern_runs.iter().enumerate().all(|(k, &need)| {
        let have = text_runs.get(start + k).copied().unwrap_or(1);
        have == need
            || (!exact && have > need && have >= 3)
            || (have > need && open_before && k < first_end)
            || (have > need && open_after && k >= last_start)
    })
}

fn is_continuation_byte(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

fn word_start(text: &[u8], mut pos: usize) -> usize {
    while pos > 0 && text[pos - 1] != b' ' {
        pos -= 1;
    }
    pos
}

fn word_end(text: &[u8], mut pos: usize) -> usize {
    while pos < text.len() && text[pos] != b' ' {
        pos += 1;
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_discord_wildcards() {
        assert_eq!(MatchMode::parse("cat"), Ok((MatchMode::Word, "cat")));
        assert_eq!(MatchMode::parse("cat*"), Ok((MatchMode::Prefix, "cat")));
        assert_eq!(MatchMode::parse("*cat"), Ok((MatchMode::Suffix, "cat")));
        assert_eq!(MatchMode::parse("*cat*"), Ok((MatchMode::Anywhere, "cat")));
        assert!(MatchMode::parse("c*t").is_err());
        assert!(MatchMode::parse("**").is_err());
    }

    #[test]
    fn message_language_needs_a_strict_majority_of_hints() {
        let mut counts = [0u16; MAX_LANGUAGES];
        assert_eq!(message_language(&counts), None);
        counts[3] = 2;
        counts[1] = 1;
        assert_eq!(message_language(&counts), Some(3));
        counts[1] = 2;
        assert_eq!(message_language(&counts), None);
    }

    /// The normalised text and per-byte runs of `text`, as the matcher sees them.
    fn collapsed(text: &str) -> (String, Vec<u8>) {
        let n = crate::normalise::normalise(text);
        (n.as_str().to_string(), n.runs().to_vec())
    }

    /// Whether pattern `pattern` (with wildcards) matches at the start of `text` by runs.
    fn runs_fit(pattern: &str, text: &str, exact: bool) -> bool {
        let (mode, core) = MatchMode::parse(pattern).expect("valid pattern");
        let (pattern_text, pattern_runs) = collapsed(core);
        let (text, text_runs) = collapsed(text);
        let start = text.find(&pattern_text).expect("collapsed forms overlap");
        runs_match(
            &text_runs,
            start,
            pattern_text.as_bytes(),
            &pattern_runs,
            mode,
            exact,
        )
    }

    #[test]
    fn a_double_letter_collapsed_inside_the_term_is_not_a_match() {
        assert!(!runs_fit("shit*", "shiitake", false));
        assert!(!runs_fit("sab", "saab", false));
        assert!(!runs_fit("coke", "cooke", false));
        assert!(!runs_fit("porn*", "poorness", false));
        assert!(!runs_fit("*shit*", "shiitake", false));
    }

    #[test]
    fn a_stretch_of_three_or_more_is_the_term() {
        assert!(runs_fit("shit*", "shiiiit", false));
        assert!(runs_fit("fuck", "fuuuck", false));
        assert!(runs_fit("ass", "aaassss", false));
        assert!(!runs_fit("ass", "as", false));
    }

    #[test]
    fn a_longer_run_at_an_open_end_is_the_rest_of_the_word() {
        assert!(runs_fit("shit*", "shitty", false));
        assert!(runs_fit("*fuck*", "fuckker", false));
        assert!(runs_fit("*shit", "sshit", false));
        // A whole word has no open end; a prefix term's start is not open.
        assert!(!runs_fit("shit", "shitt", false));
        assert!(!runs_fit("shit*", "sshit", false));
    }

    #[test]
    fn allow_entries_need_exact_runs_except_at_an_open_end() {
        assert!(!runs_fit("snigger*", "sniggger", true));
        assert!(runs_fit("shiitake*", "shiitake", true));
        assert!(runs_fit("cocktail*", "cocktaill", true));
    }

    #[test]
    fn masked_form_needs_two_visible_letters() {
        assert!(masked_matches("f**k", "fuck", MatchMode::Word));
        assert!(!masked_matches("f***", "fuck", MatchMode::Word));
        assert!(masked_matches("f*cking", "fuck", MatchMode::Anywhere));
        assert!(!masked_matches("f*ck", "folk", MatchMode::Word));
    }
}
