//! Text normalisation with an offset map back to the original message.
//!
//! Messages and term patterns go through the same pipeline, so a pattern matches every spelling
//! that normalises to the same text. Per character (ASCII skips all table lookups):
//!
//! 1. Default_Ignorable code points are removed (zero-width characters, soft hyphen, bidi
//!    controls, variation selectors, tag characters). Bidi reordering controls are remembered so
//!    the engine can also look for reversed text.
//! 2. Compatibility decomposition (the NFKD half of NFKC: fullwidth, mathematical, circled,
//!    superscript and ligature forms become plain letters). Matching compares decomposed forms on
//!    both sides, which is equivalent to comparing NFKC forms.
//! 3. Combining marks on Latin, Greek, Cyrillic and Armenian letters are removed (accents,
//!    Zalgo); marks on other scripts are kept because they carry meaning there.
//! 4. Full Unicode case folding.
//! 5. Latin look-alike letters (small capitals, IPA, enclosed and regional-indicator letters)
//!    fold to ASCII; Greek, Cyrillic and Armenian look-alikes fold only inside tokens that also
//!    contain Latin letters, digits or leetspeak (or in the "fold everything" pass the engine runs
//!    when a token made only of look-alikes might complete a term).
//!
//! Then per token (a run of letters, digits, leetspeak symbols, mask symbols and apostrophes):
//!
//! 6. Leetspeak decoding, only inside tokens that contain letters (or consist only of two or
//!    more `$`/`@`, as in `@$$`): `$ @ ¢ € ¥ §` anywhere, `! ¡ | +` and the digits
//!    `0 1 3 4 5 7 8 9` only between letters (digits also leading a word of three or more
//!    letters, `5hit`), and digits only when the token has more letters than digits (so `$5`,
//!    `142,460`, `1v1`, `5pm` and `911` stay intact).
//! 7. Apostrophes between letters are dropped (`don't` → `dont`; before the endings `re`, `ll`,
//!    `ve` they split, so `who're` is not `whore`), mask symbols (`*`, `#`, emoji)
//!    split the token and are recorded for masked-form matching (`f*ck`, `f🤬ck`, `f@ck`).
//! 8. Runs of three or more single-letter tokens separated by short gaps on one line are joined
//!    (`f u c k`, `f.u.c.k`, `f_u-c_k`); ordinary words never are (`push it`, `don't i think`).
//! 9. Runs of one repeated letter collapse to one letter; the run length is kept so the matcher
//!    can require a pattern's own double letters (`ass` does not match `as`) and tell a stretch
//!    (`fuuuck`) from an ordinary double letter (`shiitake` is not `shit…`).
//!
//! The output has tokens separated by single spaces. Every output byte maps to the byte range
//! of the original text it came from.

mod tables;

pub(crate) use tables::{is_bidi_reordering_control, is_default_ignorable};

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// How Greek, Cyrillic and Armenian look-alike letters are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScriptFold {
    /// Fold only inside tokens that mix them with Latin letters, digits or leetspeak.
    MixedTokens,
    /// Fold them everywhere (second pass, for tokens made only of look-alikes).
    Everywhere,
    /// Fold them everywhere, using the second Latin reading where a letter has one (Cyrillic
    /// `у` passes for `y` and for `u`).
    EverywhereAlternate,
}

/// The normalised form of a text plus the map back to the original.
#[derive(Debug, Default, Clone)]
pub struct NormalisedText {
    text: String,
    starts: Vec<u32>,
    ends: Vec<u32>,
    runs: Vec<u8>,
    masked_text: String,
    masked_tokens: Vec<MaskedToken>,
    has_pure_lookalike_token: bool,
    has_alternate_lookalike: bool,
    has_bidi_control: bool,
}

/// A token that contained mask symbols, kept un-collapsed for masked-form matching.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MaskedToken {
    /// Byte range of the token's text (letters and `*`) in `masked_text`.
    pub text_start: u32,
    pub text_end: u32,
    /// Byte range of the token in the original text.
    pub orig_start: u32,
    pub orig_end: u32,
}

impl NormalisedText {
    /// Replaces the content with `letters` (ASCII lower-case letters), collapsed with run
    /// lengths, all mapped to the empty range: for whole-word checks of joined pieces.
    pub(crate) fn set_collapsed_letters(&mut self, letters: &[u8]) {
        self.clear();
        for &letter in letters {
            if self.text.as_bytes().last() == Some(&letter)
                && let Some(run) = self.runs.last_mut()
            {
                *run = run.saturating_add(1);
                continue;
            }
            self.push_char(char::from(letter), 0, 0, 1);
        }
    }

    /// The normalised text: lower-case, folded, tokens separated by single spaces.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The byte range of the original text that normalised bytes `start..end` came from.
    /// `start < end <= self.as_str().len()` is required; other input gives an empty range.
    pub fn original_range(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        if start >= end || end > self.text.len() {
            return 0..0;
        }
        // Spans are monotonic in either direction (reversed text runs backwards), so the
        // outermost offsets are at the two ends.
        let first = self.starts[start].min(self.starts[end - 1]);
        let last = self.ends[start].max(self.ends[end - 1]);
        first as usize..last as usize
    }

    /// How many times the letter at normalised byte `index` was repeated in the input.
    #[cfg(test)]
    pub(crate) fn run_length(&self, index: usize) -> u8 {
        self.runs.get(index).copied().unwrap_or(1)
    }

    /// Per-byte run lengths (see [`Self::run_length`]).
    pub(crate) fn runs(&self) -> &[u8] {
        &self.runs
    }

    /// Tokens that contained mask symbols.
    pub(crate) fn masked_tokens(&self) -> &[MaskedToken] {
        &self.masked_tokens
    }

    /// The text of a masked token: letters and `*` for each mask symbol.
    pub(crate) fn masked_token_text(&self, token: &MaskedToken) -> &str {
        self.masked_text
            .get(token.text_start as usize..token.text_end as usize)
            .unwrap_or("")
    }

    /// Whether some token consists only of Greek/Cyrillic/Armenian look-alike letters (so a
    /// "fold everywhere" pass might find a term the first pass could not).
    pub(crate) fn has_pure_lookalike_token(&self) -> bool {
        self.has_pure_lookalike_token
    }

    /// Whether some look-alike letter has a second Latin reading (see
    /// [`ScriptFold::EverywhereAlternate`]).
    pub(crate) fn has_alternate_lookalike(&self) -> bool {
        self.has_alternate_lookalike
    }

    /// Whether the original contained bidi embedding/override/isolate controls.
    pub(crate) fn has_bidi_control(&self) -> bool {
        self.has_bidi_control
    }

    fn clear(&mut self) {
        self.text.clear();
        self.starts.clear();
        self.ends.clear();
        self.runs.clear();
        self.masked_text.clear();
        self.masked_tokens.clear();
        self.has_pure_lookalike_token = false;
        self.has_alternate_lookalike = false;
        self.has_bidi_control = false;
    }

    #[inline]
    fn push_char(&mut self, c: char, start: u32, end: u32, run: u8) {
        if c.is_ascii() {
            // One byte: the common case, without the UTF-8 encoding loop.
            self.text.push(c);
            self.starts.push(start);
            self.ends.push(end);
            self.runs.push(run);
            return;
        }
        let len = c.len_utf8();
        self.text.push(c);
        for _ in 0..len {
            self.starts.push(start);
            self.ends.push(end);
            self.runs.push(run);
        }
    }

    /// Writes the character-reversed form of `source` into `self` (same spans, same runs).
    pub(crate) fn reverse_from(&mut self, source: &NormalisedText) {
        self.clear();
        self.has_bidi_control = source.has_bidi_control;
        for (index, c) in source.text.char_indices().rev() {
            self.push_char(
                c,
                source.starts[index],
                source.ends[index],
                source.runs[index],
            );
        }
    }
}

/// What a character is, for token building.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnitKind {
    /// A Latin letter (ASCII after folding).
    Latin,
    /// A Greek/Cyrillic/Armenian letter with a Latin look-alike in `alt`.
    Lookalike,
    /// Any other letter, number or kept combining mark.
    OtherLetter,
    /// An ASCII digit.
    Digit,
    /// `$` or `@`: leetspeak for a letter.
    Leet,
    /// `!`, `|`, `+`: leetspeak only between letters.
    LeetInternal,
    /// `*` or `#`: a self-censoring mask symbol.
    Mask,
    /// An apostrophe.
    Apostrophe,
    /// Whitespace, punctuation, symbols.
    Separator,
    /// A line break: single letters are never joined across it.
    LineBreak,
}

impl UnitKind {
    fn is_separator(self) -> bool {
        matches!(self, UnitKind::Separator | UnitKind::LineBreak)
    }
    fn is_letter(self) -> bool {
        matches!(
            self,
            UnitKind::Latin | UnitKind::Lookalike | UnitKind::OtherLetter
        )
    }
}

#[derive(Debug, Clone, Copy)]
struct Unit {
    ch: char,
    alt: char,
    start: u32,
    end: u32,
    kind: UnitKind,
}

/// What a token unit becomes in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutKind {
    Letter,
    Digit,
    /// Ends the current word (a mask symbol or a symbol at a token edge).
    Split,
}

#[derive(Debug, Clone, Copy)]
struct OutChar {
    ch: char,
    start: u32,
    end: u32,
    kind: OutKind,
    /// Index of the unit it came from.
    unit: u32,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    /// Unit range.
    unit_start: usize,
    unit_end: usize,
    /// OutChar range.
    out_start: usize,
    out_end: usize,
}

/// Reusable buffers for [`normalise_into`]; keep one per thread to avoid per-message
/// allocation.
#[derive(Debug, Default)]
pub struct NormaliserScratch {
    units: Vec<Unit>,
    outs: Vec<OutChar>,
    tokens: Vec<Token>,
}

/// Most separator characters allowed between joined single letters (`f . u` is fine,
/// `f        u` is two words).
const MAX_JOIN_GAP: usize = 3;
/// Fewest single-letter tokens that are joined into a word.
const MIN_JOIN_RUN: usize = 3;

/// Normalises `text` into `out` (see the module docs), reusing `scratch`.
pub(crate) fn normalise_into(
    text: &str,
    fold: ScriptFold,
    scratch: &mut NormaliserScratch,
    out: &mut NormalisedText,
) {
    out.clear();
    scratch.units.clear();
    scratch.outs.clear();
    scratch.tokens.clear();
    collect_units(text, &mut scratch.units, out);
    build_tokens(fold, scratch, out);
    emit(scratch, out);
}

/// Normalises `text` into a fresh [`NormalisedText`] (convenient for tests and patterns).
pub fn normalise(text: &str) -> NormalisedText {
    let mut scratch = NormaliserScratch::default();
    let mut out = NormalisedText::default();
    normalise_into(text, ScriptFold::MixedTokens, &mut scratch, &mut out);
    out
}

// ---- stage A: characters to units -------------------------------------------------------

fn collect_units(text: &str, units: &mut Vec<Unit>, out: &mut NormalisedText) {
    units.reserve(text.len());
    if text.is_ascii() {
        // Fast path: no decoding, no Unicode tables.
        for (index, byte) in text.bytes().enumerate() {
            let start = u32::try_from(index).unwrap_or(u32::MAX);
            push_ascii(units, char::from(byte), start, start.saturating_add(1));
        }
        return;
    }
    for (index, c) in text.char_indices() {
        // Offsets fit in u32: messages are at most a few KB; clamp defensively.
        let start = u32::try_from(index).unwrap_or(u32::MAX);
        let end = u32::try_from(index + c.len_utf8()).unwrap_or(u32::MAX);
        if c.is_ascii() {
            push_ascii(units, c, start, end);
        } else if is_default_ignorable(c) {
            if is_bidi_reordering_control(c) {
                out.has_bidi_control = true;
            }
        } else {
            decompose_compatible(c, |d| push_decomposed(units, d, start, end));
        }
    }
}

#[inline]
fn push_ascii(units: &mut Vec<Unit>, c: char, start: u32, end: u32) {
    let (ch, kind) = classify_ascii(c);
    units.push(Unit {
        ch,
        alt: ch,
        start,
        end,
        kind,
    });
}

/// What an ASCII character is to the normaliser: its lower-case form (a space for separators)
/// and its kind.
#[inline]
fn classify_ascii(c: char) -> (char, UnitKind) {
    match c {
        'a'..='z' => (c, UnitKind::Latin),
        'A'..='Z' => (c.to_ascii_lowercase(), UnitKind::Latin),
        '0'..='9' => (c, UnitKind::Digit),
        '$' | '@' => (c, UnitKind::Leet),
        '!' | '|' | '+' => (c, UnitKind::LeetInternal),
        '*' | '#' => (c, UnitKind::Mask),
        '\'' | '`' => (c, UnitKind::Apostrophe),
        '\n' | '\r' | '\u{0B}' | '\u{0C}' => (' ', UnitKind::LineBreak),
        _ => (' ', UnitKind::Separator),
    }
}

fn push_decomposed(units: &mut Vec<Unit>, d: char, start: u32, end: u32) {
    if d.is_ascii() {
        push_ascii(units, d, start, end);
        return;
    }
    if is_default_ignorable(d) {
        return;
    }
    if is_combining_mark(d) {
        push_mark(units, d, start, end);
        return;
    }
    match tables::special_case_fold(d) {
        Some(folded) => {
            for f in folded.chars() {
                push_folded(units, f, start, end);
            }
        }
        None => {
            for f in d.to_lowercase() {
                push_folded(units, f, start, end);
            }
        }
    }
}

fn push_mark(units: &mut Vec<Unit>, mark: char, start: u32, end: u32) {
    // Marks are kept only on letters of scripts where they carry meaning.
    if let Some(last) = units.last()
        && last.kind == UnitKind::OtherLetter
        && !tables::has_diacritic_marks(last.ch)
    {
        units.push(Unit {
            ch: mark,
            alt: mark,
            start,
            end,
            kind: UnitKind::OtherLetter,
        });
    }
}

fn push_folded(units: &mut Vec<Unit>, f: char, start: u32, end: u32) {
    if f.is_ascii() {
        push_ascii(units, f, start, end);
        return;
    }
    if is_combining_mark(f) {
        push_mark(units, f, start, end);
        return;
    }
    if let Some(latin) = tables::latin_lookalike(f) {
        push_ascii(units, latin, start, end);
        return;
    }
    let (alt, kind) = if let Some(latin) = tables::script_confusable(f) {
        (latin, UnitKind::Lookalike)
    } else if matches!(f, '\u{2019}' | '\u{02BC}' | '\u{2018}' | '\u{02B9}') {
        (f, UnitKind::Apostrophe)
    } else if matches!(f, '¢' | '€' | '¥' | '§') {
        (f, UnitKind::Leet)
    } else if f == '¡' {
        (f, UnitKind::LeetInternal)
    } else if tables::is_word_char(f) {
        if tables::is_latin_letter(f) {
            (f, UnitKind::Latin)
        } else {
            (f, UnitKind::OtherLetter)
        }
    } else if matches!(f as u32, 0x2600..=0x27BF | 0x1F300..=0x1FAFF) {
        // Emoji and dingbats inside a word (`f🤬ck`) are self-censoring masks; between words
        // they separate like punctuation.
        (f, UnitKind::Mask)
    } else if matches!(f, '\u{2028}' | '\u{2029}' | '\u{0085}') {
        (' ', UnitKind::LineBreak)
    } else {
        (' ', UnitKind::Separator)
    };
    let ch = if kind == UnitKind::Separator || kind == UnitKind::LineBreak {
        ' '
    } else {
        f
    };
    units.push(Unit {
        ch,
        alt,
        start,
        end,
        kind,
    });
}

// ---- stage B: units to tokens -----------------------------------------------------------

fn leet_letter(c: char) -> Option<char> {
    Some(match c {
        '$' | '5' | '§' => 's',
        '@' | '4' => 'a',
        '¢' => 'c',
        '€' => 'e',
        '¥' => 'y',
        '!' | '|' | '1' | '¡' => 'i',
        '+' | '7' => 't',
        '0' => 'o',
        '3' => 'e',
        '8' => 'b',
        '9' => 'g',
        _ => return None,
    })
}

fn build_tokens(fold: ScriptFold, scratch: &mut NormaliserScratch, out: &mut NormalisedText) {
    let units = &scratch.units;
    let n = units.len();
    let mut i = 0;
    while i < n {
        if units[i].kind.is_separator() {
            i += 1;
            continue;
        }
        let unit_start = i;
        while i < n && !units[i].kind.is_separator() {
            i += 1;
        }
        let out_start = scratch.outs.len();
        decode_token(
            &units[unit_start..i],
            unit_start,
            fold,
            &mut scratch.outs,
            &mut out.masked_text,
            &mut out.masked_tokens,
            &mut out.has_pure_lookalike_token,
            &mut out.has_alternate_lookalike,
        );
        // Mask symbols and edge symbols split a token into words (`f*u*c*k` → f, u, c, k), which
        // single-letter joining then treats like any other words.
        let out_end = scratch.outs.len();
        let mut segment_start = out_start;
        for position in out_start..=out_end {
            let at_split = position == out_end || scratch.outs[position].kind == OutKind::Split;
            if !at_split {
                continue;
            }
            if position > segment_start {
                scratch.tokens.push(Token {
                    unit_start: scratch.outs[segment_start].unit as usize,
                    unit_end: scratch.outs[position - 1].unit as usize + 1,
                    out_start: segment_start,
                    out_end: position,
                });
            }
            segment_start = position + 1;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn decode_token(
    token: &[Unit],
    first_unit: usize,
    fold: ScriptFold,
    outs: &mut Vec<OutChar>,
    masked_text: &mut String,
    masked_tokens: &mut Vec<MaskedToken>,
    has_pure_lookalike_token: &mut bool,
    has_alternate_lookalike: &mut bool,
) {
    let mut letters = 0usize;
    let mut latin_context = 0usize;
    let mut lookalikes = 0usize;
    let mut others = 0usize;
    let mut digits = 0usize;
    let mut masks = 0usize;
    let mut leet_symbols = 0usize;
    let mut at_signs = 0usize;
    let mut first_letter = usize::MAX;
    let mut last_letter = 0usize;
    for (index, unit) in token.iter().enumerate() {
        match unit.kind {
            UnitKind::Latin => latin_context += 1,
            UnitKind::Lookalike => lookalikes += 1,
            UnitKind::OtherLetter => others += 1,
            UnitKind::Digit => {
                digits += 1;
                latin_context += 1;
            }
            UnitKind::Leet => {
                leet_symbols += 1;
                latin_context += 1;
                at_signs += usize::from(unit.ch == '@');
            }
            UnitKind::LeetInternal => latin_context += 1,
            UnitKind::Mask => masks += 1,
            _ => {}
        }
        if unit.kind.is_letter() {
            letters += 1;
            first_letter = first_letter.min(index);
            last_letter = index;
        }
    }
    if letters == token.len() && lookalikes == 0 {
        // Only Latin and other letters (most words): each is itself, nothing is masked.
        outs.extend(token.iter().enumerate().map(|(index, unit)| OutChar {
            ch: unit.ch,
            start: unit.start,
            end: unit.end,
            kind: OutKind::Letter,
            unit: u32::try_from(first_unit + index).unwrap_or(u32::MAX),
        }));
        return;
    }
    let fold_lookalikes = fold != ScriptFold::MixedTokens || (lookalikes > 0 && latin_context > 0);
    if lookalikes > 0 && latin_context == 0 && others == 0 {
        *has_pure_lookalike_token = true;
    }
    let decode_digits = letters > digits;
    let internal = |index: usize| first_letter < index && index < last_letter;
    // `@` between letters is as often a mask for any vowel (`f@ck`) as leetspeak for `a`.
    let at_inside = at_signs > 0
        && token
            .iter()
            .enumerate()
            .any(|(index, unit)| unit.ch == '@' && internal(index));
    let masked = (masks > 0 || at_inside) && letters >= 2;
    let masked_start = masked_text.len();

    for (index, unit) in token.iter().enumerate() {
        let (ch, kind) = match unit.kind {
            UnitKind::Latin | UnitKind::OtherLetter => (unit.ch, OutKind::Letter),
            UnitKind::Lookalike => {
                let alternate = tables::script_confusable_alternate(unit.ch);
                // Only tokens that could spell a Latin term (no other non-Latin letters).
                *has_alternate_lookalike |= alternate.is_some() && others == 0;
                if fold == ScriptFold::EverywhereAlternate {
                    (alternate.unwrap_or(unit.alt), OutKind::Letter)
                } else if fold_lookalikes {
                    (unit.alt, OutKind::Letter)
                } else {
                    (unit.ch, OutKind::Letter)
                }
            }
            UnitKind::Digit => match leet_letter(unit.ch) {
                // Between letters, or leading a word of three or more letters (`5hit`, `8itch`).
                Some(l)
                    if decode_digits
                        && (internal(index) || (index < first_letter && letters >= 3)) =>
                {
                    (l, OutKind::Letter)
                }
                _ => (unit.ch, OutKind::Digit),
            },
            UnitKind::Leet => match leet_letter(unit.ch) {
                Some(l) if letters > 0 || (digits == 0 && leet_symbols >= 2) => {
                    (l, OutKind::Letter)
                }
                _ => (' ', OutKind::Split),
            },
            UnitKind::LeetInternal => match leet_letter(unit.ch) {
                Some(l) if internal(index) => (l, OutKind::Letter),
                _ => (' ', OutKind::Split),
            },
            UnitKind::Mask => (' ', OutKind::Split),
            UnitKind::Apostrophe => {
                // `who're` must not read as a word (`whore`): the two-letter contraction
                // endings split; `don't` and `dick's` still join (`dont`, `dicks`).
                if internal(index) && !ends_with_contraction(&token[index + 1..]) {
                    continue;
                }
                (' ', OutKind::Split)
            }
            UnitKind::Separator | UnitKind::LineBreak => (' ', OutKind::Split),
        };
        if masked {
            match unit.kind {
                UnitKind::Mask => masked_text.push('*'),
                UnitKind::Leet if unit.ch == '@' && internal(index) => masked_text.push('*'),
                _ if kind == OutKind::Split => masked_text.push(' '),
                _ => masked_text.push(ch),
            }
        }
        outs.push(OutChar {
            ch,
            start: unit.start,
            end: unit.end,
            kind,
            unit: u32::try_from(first_unit + index).unwrap_or(u32::MAX),
        });
    }
    if masked && let (Some(first), Some(last)) = (token.first(), token.last()) {
        masked_tokens.push(MaskedToken {
            text_start: u32::try_from(masked_start).unwrap_or(u32::MAX),
            text_end: u32::try_from(masked_text.len()).unwrap_or(u32::MAX),
            orig_start: first.start,
            orig_end: last.end,
        });
    }
}

/// Whether the units after an apostrophe are exactly an English two-letter contraction ending
/// (`'re`, `'ll`, `'ve`) closing the token.
fn ends_with_contraction(rest: &[Unit]) -> bool {
    match rest {
        [a, b] => {
            let pair = [a.ch.to_ascii_lowercase(), b.ch.to_ascii_lowercase()];
            matches!(pair, ['r', 'e'] | ['l', 'l'] | ['v', 'e'])
        }
        _ => false,
    }
}

// ---- stage C: join single letters, collapse repeats, write the output ---------------------

/// If the token is a single letter (or a single leet digit), the character it stands for.
fn single_letter(outs: &[OutChar], token: &Token) -> Option<(char, bool)> {
    if token.out_end != token.out_start + 1 {
        return None;
    }
    let only = outs[token.out_start];
    match only.kind {
        OutKind::Letter => Some((only.ch, true)),
        OutKind::Digit => leet_letter(only.ch).map(|l| (l, false)),
        OutKind::Split => None,
    }
}

fn joinable_gap(units: &[Unit], previous: &Token, next: &Token) -> bool {
    let gap = units
        .get(previous.unit_end..next.unit_start)
        .unwrap_or_default();
    gap.len() <= MAX_JOIN_GAP && gap.iter().all(|u| u.kind != UnitKind::LineBreak)
}

struct Writer<'a> {
    out: &'a mut NormalisedText,
    pending_space: bool,
    last_end: u32,
    last_letter: Option<char>,
    last_char_start_byte: usize,
}

impl Writer<'_> {
    fn split(&mut self) {
        self.pending_space = true;
        self.last_letter = None;
    }

    fn push(&mut self, c: char, start: u32, end: u32, is_letter: bool) {
        if self.pending_space && !self.out.text.is_empty() {
            let space_end = start.max(self.last_end);
            self.out.push_char(' ', self.last_end, space_end, 1);
        }
        self.pending_space = false;
        if is_letter && self.last_letter == Some(c) {
            let from = self.last_char_start_byte;
            for byte in from..self.out.text.len() {
                self.out.ends[byte] = end;
                self.out.runs[byte] = self.out.runs[byte].saturating_add(1);
            }
        } else {
            self.last_char_start_byte = self.out.text.len();
            self.out.push_char(c, start, end, 1);
            self.last_letter = if is_letter { Some(c) } else { None };
        }
        self.last_end = end;
    }
}

fn emit(scratch: &NormaliserScratch, out: &mut NormalisedText) {
    let tokens = &scratch.tokens;
    let outs = &scratch.outs;
    let units = &scratch.units;
    let mut writer = Writer {
        out,
        pending_space: false,
        last_end: 0,
        last_letter: None,
        last_char_start_byte: 0,
    };
    let mut t = 0;
    while t < tokens.len() {
        // Find a run of single-letter tokens with short gaps between them.
        let mut run_end = t;
        let mut real_letters = 0;
        while run_end < tokens.len() {
            let Some((_, is_letter)) = single_letter(outs, &tokens[run_end]) else {
                break;
            };
            if run_end > t && !joinable_gap(units, &tokens[run_end - 1], &tokens[run_end]) {
                break;
            }
            real_letters += usize::from(is_letter);
            run_end += 1;
        }
        let run_len = run_end - t;
        if run_len >= MIN_JOIN_RUN && real_letters >= 2 {
            for token in &tokens[t..run_end] {
                if let Some((c, _)) = single_letter(outs, token) {
                    let o = outs[token.out_start];
                    writer.push(c, o.start, o.end, true);
                }
            }
            writer.split();
            t = run_end;
            continue;
        }
        let token = &tokens[t];
        for o in &outs[token.out_start..token.out_end] {
            match o.kind {
                OutKind::Split => writer.split(),
                OutKind::Letter => writer.push(o.ch, o.start, o.end, true),
                OutKind::Digit => writer.push(o.ch, o.start, o.end, false),
            }
        }
        writer.split();
        t += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str) -> String {
        normalise(text).as_str().to_string()
    }

    #[test]
    fn lowercases_and_separates_tokens_with_single_spaces() {
        assert_eq!(norm("  Hello,   World!! "), "helo world");
    }

    #[test]
    fn maps_each_normalised_byte_back_to_its_source_bytes() {
        let text = "Ｆｕｃｋ it";
        let n = normalise(text);
        assert_eq!(n.as_str(), "fuck it");
        let range = n.original_range(0, 4);
        assert_eq!(&text[range], "Ｆｕｃｋ");
    }

    #[test]
    fn collapsed_letters_span_the_whole_run() {
        let text = "fuuuuck";
        let n = normalise(text);
        assert_eq!(n.as_str(), "fuck");
        assert_eq!(n.original_range(1, 2), 1..5);
        assert_eq!(n.run_length(1), 4);
    }

    #[test]
    fn reversal_keeps_spans() {
        let n = normalise("kcuf");
        let mut r = NormalisedText::default();
        r.reverse_from(&n);
        assert_eq!(r.as_str(), "fuck");
        assert_eq!(r.original_range(0, 1), 3..4);
    }
}
