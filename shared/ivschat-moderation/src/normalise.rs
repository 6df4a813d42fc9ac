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
//!
//! Two shortcuts keep this cheap, and the tests check each against the plain pipeline: ASCII
//! text is read as bytes, and words of letters only are written straight from them; and what a
//! non-ASCII character becomes (steps 1–5) is remembered per thread, so a chat in one script
//! looks each of its letters up in the Unicode tables once, not once per message.

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

    #[inline(always)]
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

/// A single-letter word waiting to learn whether it belongs to a run of single letters that is
/// joined into one word (`f u c k`).
#[derive(Debug, Clone, Copy)]
struct PendingLetter {
    /// The letter it stands for when joined (a leetspeak digit's letter).
    letter: char,
    /// Whether it is a real letter rather than a leetspeak digit.
    is_letter: bool,
    /// What it writes when it is not joined.
    out: OutChar,
}

/// Reusable buffers for [`normalise_into`]; keep one per thread to avoid per-message
/// allocation.
#[derive(Debug, Default)]
pub struct NormaliserScratch {
    units: Vec<Unit>,
    outs: Vec<OutChar>,
    pending: Vec<PendingLetter>,
    char_cache: Vec<CachedChar>,
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
    if text.is_ascii() {
        normalise_ascii(text, scratch, out);
    } else {
        collect_units(text, &mut scratch.units, Some(&mut scratch.char_cache), out);
        normalise_units(fold, scratch, out);
    }
}

/// Normalises `text` into a fresh [`NormalisedText`] (convenient for tests and patterns).
pub fn normalise(text: &str) -> NormalisedText {
    let mut scratch = NormaliserScratch::default();
    let mut out = NormalisedText::default();
    normalise_into(text, ScriptFold::MixedTokens, &mut scratch, &mut out);
    out
}

// ---- stage A: characters to units -------------------------------------------------------

/// Stage A for text that is not all ASCII: every character becomes zero or more units.
/// `cache` remembers what characters became, across messages; `None` (in tests) works every
/// character out afresh.
fn collect_units(
    text: &str,
    units: &mut Vec<Unit>,
    mut cache: Option<&mut Vec<CachedChar>>,
    out: &mut NormalisedText,
) {
    units.reserve(text.len());
    if let Some(cache) = cache.as_deref_mut()
        && cache.is_empty()
    {
        cache.resize(CHAR_CACHE_SLOTS, CachedChar::EMPTY);
    }
    for (index, c) in text.char_indices() {
        let start = offset(index);
        let end = offset(index + c.len_utf8());
        if c.is_ascii() {
            push_ascii(units, c, start, end);
            continue;
        }
        let slot = cache_slot(c);
        if let Some(cached) = cache
            .as_deref()
            .and_then(|cache| cache.get(slot))
            .filter(|cached| cached.c == c)
        {
            for &(ch, alt, kind) in &cached.units[..usize::from(cached.count)] {
                units.push(Unit {
                    ch,
                    alt,
                    start,
                    end,
                    kind,
                });
            }
            continue;
        }
        if is_default_ignorable(c) {
            if is_bidi_reordering_control(c) {
                out.has_bidi_control = true;
            }
            continue;
        }
        let first = units.len();
        let mut sink = CharUnits {
            units: &mut *units,
            first,
            start,
            end,
            read_context: false,
        };
        decompose_compatible(c, |d| sink.push_decomposed(d));
        // What a character becomes depends only on the character, unless a combining mark was
        // judged by the letter before it (then it is not remembered).
        let read_context = sink.read_context;
        if let Some(made) = units.get(first..)
            && !read_context
            && made.len() <= MAX_CACHED_UNITS
            && let Some(cached) = cache.as_deref_mut().and_then(|cache| cache.get_mut(slot))
        {
            *cached = CachedChar::EMPTY;
            cached.c = c;
            cached.count = made.len() as u8;
            for (entry, unit) in cached.units.iter_mut().zip(made) {
                *entry = (unit.ch, unit.alt, unit.kind);
            }
        }
    }
}

/// Slots in the per-thread cache of what non-ASCII characters became (a chat in one script
/// repeats a few dozen letters, each of which costs several Unicode table lookups).
const CHAR_CACHE_SLOTS: usize = 512;
/// Most units a remembered character may have become (decompositions are rarely longer).
const MAX_CACHED_UNITS: usize = 3;

/// A non-ASCII character and the units it became (without their offsets).
#[derive(Debug, Clone, Copy)]
struct CachedChar {
    /// The character; ASCII (never looked up) in an empty slot.
    c: char,
    count: u8,
    units: [(char, char, UnitKind); MAX_CACHED_UNITS],
}

impl CachedChar {
    const EMPTY: CachedChar = CachedChar {
        c: '\0',
        count: 0,
        units: [('\0', '\0', UnitKind::Separator); MAX_CACHED_UNITS],
    };
}

/// The cache slot of a character (Fibonacci hashing of the code point).
fn cache_slot(c: char) -> usize {
    (u32::from(c).wrapping_mul(0x9E37_79B9) >> (32 - CHAR_CACHE_SLOTS.trailing_zeros())) as usize
}

/// Collects the units of one character of the original text (`start..end`), noting whether a
/// combining mark was judged by a unit of an earlier character.
struct CharUnits<'a> {
    units: &'a mut Vec<Unit>,
    /// Index of this character's first unit.
    first: usize,
    start: u32,
    end: u32,
    read_context: bool,
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
const fn classify_ascii(c: char) -> (char, UnitKind) {
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

impl CharUnits<'_> {
    fn push_decomposed(&mut self, d: char) {
        if d.is_ascii() {
            push_ascii(self.units, d, self.start, self.end);
            return;
        }
        if is_default_ignorable(d) {
            return;
        }
        if is_combining_mark(d) {
            self.push_mark(d);
            return;
        }
        match tables::special_case_fold(d) {
            Some(folded) => {
                for f in folded.chars() {
                    self.push_folded(f);
                }
            }
            None => {
                for f in d.to_lowercase() {
                    self.push_folded(f);
                }
            }
        }
    }

    fn push_mark(&mut self, mark: char) {
        // Marks are kept only on letters of scripts where they carry meaning.
        self.read_context |= self.units.len() == self.first;
        let (start, end) = (self.start, self.end);
        if let Some(last) = self.units.last()
            && last.kind == UnitKind::OtherLetter
            && !tables::has_diacritic_marks(last.ch)
        {
            self.units.push(Unit {
                ch: mark,
                alt: mark,
                start,
                end,
                kind: UnitKind::OtherLetter,
            });
        }
    }

    fn push_folded(&mut self, f: char) {
        let (units, start, end) = (&mut *self.units, self.start, self.end);
        if f.is_ascii() {
            push_ascii(units, f, start, end);
            return;
        }
        if is_combining_mark(f) {
            self.push_mark(f);
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

/// Stages B and C for text of any script: each token of `scratch.units` (a run of
/// non-separators) is decoded and written as it is found.
fn normalise_units(fold: ScriptFold, scratch: &mut NormaliserScratch, out: &mut NormalisedText) {
    let NormaliserScratch {
        units,
        outs,
        pending,
        ..
    } = scratch;
    let units: &[Unit] = units;
    let joinable = |previous_end: usize, next_start: usize| {
        units.get(previous_end..next_start).is_some_and(|gap| {
            gap.len() <= MAX_JOIN_GAP && gap.iter().all(|u| u.kind != UnitKind::LineBreak)
        })
    };
    let mut emitter = Emitter::new(std::mem::take(pending));
    let n = units.len();
    let mut i = 0;
    while i < n {
        if units[i].kind.is_separator() {
            i += 1;
            continue;
        }
        let unit_start = i;
        let mut plain = true;
        while i < n && !units[i].kind.is_separator() {
            plain &= matches!(units[i].kind, UnitKind::Latin | UnitKind::OtherLetter);
            i += 1;
        }
        let token = &units[unit_start..i];
        if plain {
            // Only Latin and other letters (most words): each is itself, nothing is masked.
            emitter.letters(out, token, unit_start, &joinable);
            continue;
        }
        outs.clear();
        decode_token(token, unit_start, fold, outs, out);
        emitter.decoded(out, outs, &joinable);
    }
    emitter.finish(out);
    *pending = emitter.into_pending();
}

/// Stages A to C for ASCII text: bytes are units, one each, so plain words (letters only, the
/// common case) are written straight from the bytes and only other tokens are decoded.
fn normalise_ascii(text: &str, scratch: &mut NormaliserScratch, out: &mut NormalisedText) {
    let bytes = text.as_bytes();
    let NormaliserScratch {
        units,
        outs,
        pending,
        ..
    } = scratch;
    let joinable = |previous_end: usize, next_start: usize| {
        bytes.get(previous_end..next_start).is_some_and(|gap| {
            gap.len() <= MAX_JOIN_GAP
                && gap
                    .iter()
                    .all(|&b| ASCII_CLASSES[usize::from(b)] & LINE_BREAK == 0)
        })
    };
    let is_separator = |b: u8| ASCII_CLASSES[usize::from(b)] & SEPARATOR != 0;
    let mut emitter = Emitter::new(std::mem::take(pending));
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        if is_separator(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut plain = true;
        while i < n && !is_separator(bytes[i]) {
            plain &= ASCII_CLASSES[usize::from(bytes[i])] & LETTER != 0;
            i += 1;
        }
        if plain {
            emitter.ascii_letters(out, &text[start..i], start, &joinable);
            continue;
        }
        let token = &bytes[start..i];
        units.clear();
        for (k, &byte) in token.iter().enumerate() {
            let at = offset(start + k);
            push_ascii(units, char::from(byte), at, at.saturating_add(1));
        }
        outs.clear();
        decode_token(units, start, ScriptFold::MixedTokens, outs, out);
        emitter.decoded(out, outs, &joinable);
    }
    emitter.finish(out);
    *pending = emitter.into_pending();
}

/// A byte offset as stored in the offset map (messages are at most a few KB; clamped
/// defensively).
fn offset(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// [`ASCII_CLASSES`] bit: a separator or line break (ends a token).
const SEPARATOR: u8 = 1;
/// [`ASCII_CLASSES`] bit: a line break.
const LINE_BREAK: u8 = 2;
/// [`ASCII_CLASSES`] bit: an ASCII letter.
const LETTER: u8 = 4;

/// What [`classify_ascii`] makes of every byte, as bits (non-ASCII bytes never reach the ASCII
/// path).
const ASCII_CLASSES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut byte = 0;
    while byte < 128 {
        classes[byte] = match classify_ascii(byte as u8 as char).1 {
            UnitKind::Separator => SEPARATOR,
            UnitKind::LineBreak => SEPARATOR | LINE_BREAK,
            UnitKind::Latin => LETTER,
            _ => 0,
        };
        byte += 1;
    }
    classes
};
/// Decodes one token that is not letters only (leetspeak, masks, apostrophes, look-alikes)
/// into `outs`; tokens with mask symbols are also recorded in `out`'s masked tokens.
/// `first_unit` is the index of the token's first unit.
fn decode_token(
    token: &[Unit],
    first_unit: usize,
    fold: ScriptFold,
    outs: &mut Vec<OutChar>,
    out: &mut NormalisedText,
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
    let fold_lookalikes = fold != ScriptFold::MixedTokens || (lookalikes > 0 && latin_context > 0);
    if lookalikes > 0 && latin_context == 0 && others == 0 {
        out.has_pure_lookalike_token = true;
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
    let masked_start = out.masked_text.len();

    for (index, unit) in token.iter().enumerate() {
        let (ch, kind) = match unit.kind {
            UnitKind::Latin | UnitKind::OtherLetter => (unit.ch, OutKind::Letter),
            UnitKind::Lookalike => {
                let alternate = tables::script_confusable_alternate(unit.ch);
                // Only tokens that could spell a Latin term (no other non-Latin letters).
                out.has_alternate_lookalike |= alternate.is_some() && others == 0;
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
                UnitKind::Mask => out.masked_text.push('*'),
                UnitKind::Leet if unit.ch == '@' && internal(index) => out.masked_text.push('*'),
                _ if kind == OutKind::Split => out.masked_text.push(' '),
                _ => out.masked_text.push(ch),
            }
        }
        outs.push(OutChar {
            ch,
            start: unit.start,
            end: unit.end,
            kind,
            unit: offset(first_unit + index),
        });
    }
    if masked && let (Some(first), Some(last)) = (token.first(), token.last()) {
        out.masked_tokens.push(MaskedToken {
            text_start: offset(masked_start),
            text_end: offset(out.masked_text.len()),
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

/// If the word is a single letter (or a single leetspeak digit), what [`Emitter::single`] takes.
fn single_letter(only: OutChar) -> Option<PendingLetter> {
    let (letter, is_letter) = match only.kind {
        OutKind::Letter => (only.ch, true),
        OutKind::Digit => (leet_letter(only.ch)?, false),
        OutKind::Split => return None,
    };
    Some(PendingLetter {
        letter,
        is_letter,
        out: only,
    })
}

/// What [`Emitter::write_word`] takes for one decoded character of a word (never a split).
fn written(o: OutChar) -> (char, u32, u32, bool) {
    (o.ch, o.start, o.end, o.kind == OutKind::Letter)
}

/// Writes words into a [`NormalisedText`]: single spaces between words, runs of one repeated
/// letter collapsed, and runs of single-letter words on one line joined (`f u c k`).
///
/// Words arrive in order. A single-letter word waits in `pending` until the next word shows
/// whether the run of single letters it belongs to is long enough to join.
struct Emitter {
    pending: Vec<PendingLetter>,
    pending_space: bool,
    last_end: u32,
}

impl Emitter {
    fn new(mut pending: Vec<PendingLetter>) -> Self {
        pending.clear();
        Emitter {
            pending,
            pending_space: false,
            last_end: 0,
        }
    }

    /// The pending buffer, for reuse by the next message.
    fn into_pending(self) -> Vec<PendingLetter> {
        self.pending
    }

    /// Ends the current word.
    fn split(&mut self) {
        self.pending_space = true;
    }

    /// The space before a word's first character, if a word came before.
    #[inline]
    fn begin_char(&mut self, out: &mut NormalisedText, start: u32) {
        if self.pending_space && !out.text.is_empty() {
            let space_end = start.max(self.last_end);
            out.push_char(' ', self.last_end, space_end, 1);
        }
        self.pending_space = false;
    }

    /// Writes one word: `(character, start, end, is_letter)` for each of its characters, in
    /// order, with offsets into the original text. A letter repeating the letter before it
    /// lengthens that letter's run instead of being written again (`fuuuck`); other characters
    /// (digits) never collapse.
    #[inline]
    fn write_word(
        &mut self,
        out: &mut NormalisedText,
        chars: impl IntoIterator<Item = (char, u32, u32, bool)>,
    ) {
        let mut first = true;
        let mut previous = None;
        let mut previous_byte = 0;
        for (c, start, end, is_letter) in chars {
            if first {
                self.begin_char(out, start);
                first = false;
            }
            self.last_end = end;
            if is_letter && previous == Some(c) {
                for byte in previous_byte..out.text.len() {
                    out.ends[byte] = end;
                    out.runs[byte] = out.runs[byte].saturating_add(1);
                }
                continue;
            }
            previous = is_letter.then_some(c);
            previous_byte = out.text.len();
            out.push_char(c, start, end, 1);
        }
        self.split();
    }

    /// A single-letter word: joins the pending run if the gap before it allows (`joinable`
    /// says whether the units between the two are few and on one line), else starts a new run.
    fn single(
        &mut self,
        out: &mut NormalisedText,
        letter: PendingLetter,
        joinable: &impl Fn(usize, usize) -> bool,
    ) {
        if let Some(last) = self.pending.last()
            && !joinable(last.out.unit as usize + 1, letter.out.unit as usize)
        {
            self.flush(out);
        }
        self.pending.push(letter);
    }

    /// Writes the pending run of single letters: joined into one word if it has at least
    /// [`MIN_JOIN_RUN`] of them, two of them real letters; otherwise each as its own word.
    #[inline]
    fn flush(&mut self, out: &mut NormalisedText) {
        if !self.pending.is_empty() {
            self.write_pending(out);
        }
    }

    fn write_pending(&mut self, out: &mut NormalisedText) {
        let pending = std::mem::take(&mut self.pending);
        let real_letters = pending.iter().filter(|p| p.is_letter).count();
        if pending.len() >= MIN_JOIN_RUN && real_letters >= 2 {
            let joined = pending
                .iter()
                .map(|p| (p.letter, p.out.start, p.out.end, true));
            self.write_word(out, joined);
        } else {
            for p in &pending {
                self.write_word(out, [written(p.out)]);
            }
        }
        self.pending = pending;
        self.pending.clear();
    }

    /// A word that is not a single letter: ends the pending run, then is written as it is.
    fn word(&mut self, out: &mut NormalisedText, outs: &[OutChar]) {
        self.flush(out);
        self.write_word(out, outs.iter().map(|&o| written(o)));
    }

    /// A decoded token: mask symbols and edge symbols (`Split`) divide it into words
    /// (`f*u*c*k` → f, u, c, k), which single-letter joining then treats like any other words.
    fn decoded(
        &mut self,
        out: &mut NormalisedText,
        outs: &[OutChar],
        joinable: &impl Fn(usize, usize) -> bool,
    ) {
        for word in outs.split(|o| o.kind == OutKind::Split) {
            match word {
                [] => {}
                [only] => match single_letter(*only) {
                    Some(letter) => self.single(out, letter, joinable),
                    None => self.word(out, word),
                },
                _ => self.word(out, word),
            }
        }
    }

    /// A token of letters only (`first_unit` is the index of its first unit).
    fn letters(
        &mut self,
        out: &mut NormalisedText,
        token: &[Unit],
        first_unit: usize,
        joinable: &impl Fn(usize, usize) -> bool,
    ) {
        if let [only] = token {
            let letter = PendingLetter {
                letter: only.ch,
                is_letter: true,
                out: OutChar {
                    ch: only.ch,
                    start: only.start,
                    end: only.end,
                    kind: OutKind::Letter,
                    unit: offset(first_unit),
                },
            };
            self.single(out, letter, joinable);
            return;
        }
        self.flush(out);
        let letters = token
            .iter()
            .map(|unit| (unit.ch, unit.start, unit.end, true));
        self.write_word(out, letters);
    }

    /// A token of ASCII letters only, the message's bytes `start..start + word.len()`: what
    /// [`Emitter::letters`] does, without building units.
    fn ascii_letters(
        &mut self,
        out: &mut NormalisedText,
        word: &str,
        start: usize,
        joinable: &impl Fn(usize, usize) -> bool,
    ) {
        let first = offset(start);
        let token = word.as_bytes();
        if let [only] = token {
            let letter = char::from(only.to_ascii_lowercase());
            self.single(
                out,
                PendingLetter {
                    letter,
                    is_letter: true,
                    out: OutChar {
                        ch: letter,
                        start: first,
                        end: first.saturating_add(1),
                        kind: OutKind::Letter,
                        unit: first,
                    },
                },
                joinable,
            );
            return;
        }
        self.flush(out);
        let at = |k: usize| first.wrapping_add(k as u32);
        let letters = token.iter().enumerate().map(|(k, byte)| {
            (
                char::from(byte.to_ascii_lowercase()),
                at(k),
                at(k + 1),
                true,
            )
        });
        // (Two ASCII letters are the same letter when they differ at most in the case bit.)
        if token
            .windows(2)
            .any(|pair| (pair[0] ^ pair[1]) & !0x20 == 0)
        {
            // A letter repeats: `write_word` collapses the run.
            self.write_word(out, letters);
            return;
        }
        // No letter repeats (most words): the lower-cased bytes, one span each, at once.
        self.begin_char(out, first);
        out.text.extend(
            token
                .iter()
                .map(|byte| char::from(byte.to_ascii_lowercase())),
        );
        out.starts.extend((0..token.len()).map(at));
        out.ends.extend((1..=token.len()).map(at));
        out.runs.extend(std::iter::repeat_n(1, token.len()));
        self.last_end = at(token.len());
        self.split();
    }

    /// Writes whatever is still pending at the end of the text.
    fn finish(&mut self, out: &mut NormalisedText) {
        self.flush(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reference: every character worked out afresh (no cache), every token through the
    /// general path (no ASCII path).
    fn normalise_reference(text: &str, fold: ScriptFold) -> NormalisedText {
        let mut scratch = NormaliserScratch::default();
        let mut out = NormalisedText::default();
        collect_units(text, &mut scratch.units, None, &mut out);
        normalise_units(fold, &mut scratch, &mut out);
        out
    }

    thread_local! {
        /// One scratch for every case, so the character cache carries what earlier cases left.
        static SHARED: std::cell::RefCell<NormaliserScratch> = Default::default();
    }

    fn assert_same_as_reference(text: &str) {
        for fold in [
            ScriptFold::MixedTokens,
            ScriptFold::Everywhere,
            ScriptFold::EverywhereAlternate,
        ] {
            let expected = format!("{:?}", normalise_reference(text, fold));
            let mut out = NormalisedText::default();
            SHARED.with(|cell| normalise_into(text, fold, &mut cell.borrow_mut(), &mut out));
            assert_eq!(format!("{out:?}"), expected, "{text:?} with {fold:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        #[test]
        fn the_ascii_path_writes_what_the_general_path_writes(
            text in "[a-dA-D0-9$@!|+*#'` .,_\\-\n\r\t]{0,40}"
        ) {
            assert_same_as_reference(&text);
        }

        #[test]
        fn remembered_characters_become_what_they_became_the_first_time(
            text in "[a-cA-C0-9$@!|*#' .\n\u{200b}\u{0301}\u{0308}аоуеАΑαοςЁＦｕ🤬¢€¡\u{2019}\u{202e}éﬃǅ日]{0,40}"
        ) {
            assert_same_as_reference(&text);
        }

        #[test]
        fn any_text_normalises_as_the_reference_does(text in "\\PC{0,30}") {
            assert_same_as_reference(&text);
        }
    }

    #[test]
    fn single_letter_runs_join_alike_on_both_paths() {
        for text in [
            "f u c k",
            "f.u.c.k",
            "f  u   c k",
            "I think a b c",
            "f*u*c*k",
            "f@ck",
            "sh1t",
            "5hit",
            "don't",
            "who're",
            "1 2 3",
            "f 4 g g",
            "x\ny\nz",
            "fuuuck",
            "@$$",
            "f*ck u b i t c h",
            "é t é",
            "f ü c k",
        ] {
            assert_same_as_reference(text);
        }
    }

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
