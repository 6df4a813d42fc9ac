//! Small Unicode tables the normaliser needs and no crate on the registry provides in the
//! shape we want: Default_Ignorable_Code_Point, Latin look-alike letters, and the Greek,
//! Cyrillic and Armenian letters that pass for Latin ones.
//!
//! All tables are sorted so lookups are a binary search; every lookup is skipped for ASCII.

/// `Default_Ignorable_Code_Point` ranges (inclusive), from Unicode's
/// `DerivedCoreProperties.txt` (stable since Unicode 6.1; the ranges reserve space for future
/// assignments, so the class does not grow). Covers zero-width characters, the soft hyphen,
/// bidi controls, variation selectors, Hangul fillers and tag characters.
const DEFAULT_IGNORABLE: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
];

/// Whether `c` is a Default_Ignorable code point (never rendered on its own).
pub(crate) fn is_default_ignorable(c: char) -> bool {
    let c = c as u32;
    if c < 0xAD {
        return false;
    }
    DEFAULT_IGNORABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Whether `c` is a bidi embedding, override or isolate control (used to display text in an
/// order other than the one it is stored in, e.g. U+202E RIGHT-TO-LEFT OVERRIDE).
pub(crate) fn is_bidi_reordering_control(c: char) -> bool {
    matches!(c as u32, 0x202A..=0x202E | 0x2066..=0x2069)
}

/// Latin-script letters (small capitals, IPA and stroked letters) that look like a plain
/// ASCII letter and have no compatibility decomposition to it. Folded unconditionally: they are
/// Latin already, so folding cannot mangle another script. Sorted by code point.
const LATIN_LOOKALIKES: &[(char, char)] = &[
    ('\u{00F0}', 'd'), // ð
    ('\u{00F8}', 'o'), // ø
    ('\u{0111}', 'd'), // đ
    ('\u{0127}', 'h'), // ħ
    ('\u{0131}', 'i'), // ı dotless i
    ('\u{0138}', 'k'), // ĸ kra
    ('\u{0142}', 'l'), // ł
    ('\u{0167}', 't'), // ŧ
    ('\u{0180}', 'b'), // ƀ
    ('\u{0188}', 'c'), // ƈ
    ('\u{018C}', 'd'), // ƌ
    ('\u{0192}', 'f'), // ƒ
    ('\u{0199}', 'k'), // ƙ
    ('\u{019A}', 'l'), // ƚ
    ('\u{01A5}', 'p'), // ƥ
    ('\u{01AB}', 't'), // ƫ
    ('\u{01AD}', 't'), // ƭ
    ('\u{01B4}', 'y'), // ƴ
    ('\u{01B6}', 'z'), // ƶ
    ('\u{0237}', 'j'), // ȷ dotless j
    ('\u{023C}', 'c'), // ȼ
    ('\u{023F}', 's'), // ȿ
    ('\u{0240}', 'z'), // ɀ
    ('\u{0247}', 'e'), // ɇ
    ('\u{0249}', 'j'), // ɉ
    ('\u{024B}', 'q'), // ɋ
    ('\u{024D}', 'r'), // ɍ
    ('\u{024F}', 'y'), // ɏ
    ('\u{0251}', 'a'), // ɑ
    ('\u{0253}', 'b'), // ɓ
    ('\u{0255}', 'c'), // ɕ
    ('\u{0256}', 'd'), // ɖ
    ('\u{0257}', 'd'), // ɗ
    ('\u{025B}', 'e'), // ɛ
    ('\u{0260}', 'g'), // ɠ
    ('\u{0261}', 'g'), // ɡ
    ('\u{0262}', 'g'), // ɢ small capital G
    ('\u{0266}', 'h'), // ɦ
    ('\u{0268}', 'i'), // ɨ
    ('\u{0269}', 'i'), // ɩ
    ('\u{026A}', 'i'), // ɪ small capital I
    ('\u{026B}', 'l'), // ɫ
    ('\u{026D}', 'l'), // ɭ
    ('\u{0271}', 'm'), // ɱ
    ('\u{0272}', 'n'), // ɲ
    ('\u{0273}', 'n'), // ɳ
    ('\u{0274}', 'n'), // ɴ small capital N
    ('\u{0275}', 'o'), // ɵ
    ('\u{027C}', 'r'), // ɼ
    ('\u{027D}', 'r'), // ɽ
    ('\u{0280}', 'r'), // ʀ small capital R
    ('\u{0282}', 's'), // ʂ
    ('\u{0288}', 't'), // ʈ
    ('\u{0289}', 'u'), // ʉ
    ('\u{028B}', 'v'), // ʋ
    ('\u{028F}', 'y'), // ʏ small capital Y
    ('\u{0290}', 'z'), // ʐ
    ('\u{0291}', 'z'), // ʑ
    ('\u{0299}', 'b'), // ʙ small capital B
    ('\u{029C}', 'h'), // ʜ small capital H
    ('\u{029D}', 'j'), // ʝ
    ('\u{029F}', 'l'), // ʟ small capital L
    ('\u{02A0}', 'q'), // ʠ
    ('\u{1D00}', 'a'), // ᴀ small capital A
    ('\u{1D04}', 'c'), // ᴄ
    ('\u{1D05}', 'd'), // ᴅ
    ('\u{1D07}', 'e'), // ᴇ
    ('\u{1D0A}', 'j'), // ᴊ
    ('\u{1D0B}', 'k'), // ᴋ
    ('\u{1D0D}', 'm'), // ᴍ
    ('\u{1D0F}', 'o'), // ᴏ
    ('\u{1D18}', 'p'), // ᴘ
    ('\u{1D1B}', 't'), // ᴛ
    ('\u{1D1C}', 'u'), // ᴜ
    ('\u{1D20}', 'v'), // ᴠ
    ('\u{1D21}', 'w'), // ᴡ
    ('\u{1D22}', 'z'), // ᴢ
    ('\u{212E}', 'e'), // ℮
    ('\u{2C65}', 'a'), // ⱥ
    ('\u{2C66}', 't'), // ⱦ
    ('\u{2C68}', 'h'), // ⱨ
    ('\u{2C6A}', 'k'), // ⱪ
    ('\u{2C6C}', 'z'), // ⱬ
    ('\u{2C71}', 'v'), // ⱱ
    ('\u{2C73}', 'w'), // ⱳ
    ('\u{A730}', 'f'), // ꜰ small capital F
    ('\u{A731}', 's'), // ꜱ small capital S
    ('\u{A741}', 'k'), // ꝁ
    ('\u{A751}', 'p'), // ꝑ
    ('\u{A757}', 'q'), // ꝗ
    ('\u{A76F}', 'z'), // ꝯ (con; looks like 9/z in some fonts)
    ('\u{A7AE}', 'i'), // Ɪ (capital, folds to ɪ first but kept for safety)
    ('\u{AB31}', 'a'), // ꬱ
    ('\u{AB4E}', 'u'), // ꭎ
    ('\u{AB52}', 'u'), // ꭒ
];

/// Canadian Aboriginal syllabics (and one runic letter) that "fancy text" generators use as
/// Latin capitals (`ᖴᑌᑕK`). Sorted by code point.
const SYLLABIC_LOOKALIKES: &[(char, char)] = &[
    ('\u{142F}', 'v'), // ᐯ
    ('\u{144C}', 'u'), // ᑌ
    ('\u{144E}', 'n'), // ᑎ
    ('\u{1455}', 'c'), // ᑕ
    ('\u{146B}', 'q'), // ᑫ
    ('\u{146D}', 'p'), // ᑭ
    ('\u{148D}', 'j'), // ᒍ
    ('\u{14AA}', 'l'), // ᒪ
    ('\u{1515}', 's'), // ᔕ
    ('\u{157C}', 'h'), // ᕼ
    ('\u{1587}', 'r'), // ᖇ
    ('\u{15B4}', 'f'), // ᖴ
    ('\u{15DD}', 'o'), // ᗝ
    ('\u{15E9}', 'a'), // ᗩ
    ('\u{15EA}', 'd'), // ᗪ
    ('\u{15EF}', 'w'), // ᗯ
    ('\u{15F0}', 'm'), // ᗰ
    ('\u{15F4}', 'e'), // ᗴ
    ('\u{15F7}', 'b'), // ᗷ
    ('\u{1614}', 'z'), // ᘔ
    ('\u{161C}', 'g'), // ᘜ
    ('\u{166D}', 'x'), // ᙭
    ('\u{16D5}', 'k'), // ᛕ
];

/// Folds a Latin look-alike letter (see [`LATIN_LOOKALIKES`]) or an enclosed or regional
/// indicator letter without a compatibility decomposition to its ASCII letter.
pub(crate) fn latin_lookalike(c: char) -> Option<char> {
    let code = c as u32;
    // Negative circled (🅐) and negative squared (🅰) letters, regional indicators (🇦).
    let base = match code {
        0x1F150..=0x1F169 => Some(code - 0x1F150),
        0x1F170..=0x1F189 => Some(code - 0x1F170),
        0x1F1E6..=0x1F1FF => Some(code - 0x1F1E6),
        _ => None,
    };
    if let Some(offset) = base {
        return char::from_u32('a' as u32 + offset);
    }
    let table = if matches!(code, 0x1400..=0x167F | 0x16A0..=0x16FF) {
        SYLLABIC_LOOKALIKES
    } else {
        LATIN_LOOKALIKES
    };
    table
        .binary_search_by_key(&c, |&(from, _)| from)
        .ok()
        .map(|index| table[index].1)
}

/// Lower-case Greek, Cyrillic and Armenian letters that are commonly passed off as a Latin
/// letter (from the Latin targets of Unicode's UTS #39 `confusables.txt`, restricted to
/// whole-letter look-alikes). These are folded only where a token mixes them with Latin text
/// or where the fold completes a term, so genuine Greek and Russian text is left alone.
/// Sorted by code point.
const SCRIPT_CONFUSABLES: &[(char, char)] = &[
    ('\u{03B1}', 'a'), // α
    ('\u{03B2}', 'b'), // β
    ('\u{03B3}', 'y'), // γ
    ('\u{03B5}', 'e'), // ε
    ('\u{03B7}', 'n'), // η
    ('\u{03B9}', 'i'), // ι
    ('\u{03BA}', 'k'), // κ
    ('\u{03BC}', 'u'), // μ
    ('\u{03BD}', 'v'), // ν
    ('\u{03BF}', 'o'), // ο
    ('\u{03C1}', 'p'), // ρ
    ('\u{03C3}', 'o'), // σ
    ('\u{03C4}', 't'), // τ
    ('\u{03C5}', 'u'), // υ
    ('\u{03C7}', 'x'), // χ
    ('\u{03C9}', 'w'), // ω
    ('\u{03F2}', 'c'), // ϲ lunate sigma
    ('\u{03F3}', 'j'), // ϳ
    ('\u{0430}', 'a'), // а
    ('\u{0432}', 'b'), // в
    ('\u{0435}', 'e'), // е
    ('\u{043A}', 'k'), // к
    ('\u{043C}', 'm'), // м
    ('\u{043D}', 'h'), // н
    ('\u{043E}', 'o'), // о
    ('\u{043F}', 'n'), // п
    ('\u{0440}', 'p'), // р
    ('\u{0441}', 'c'), // с
    ('\u{0442}', 't'), // т
    ('\u{0443}', 'y'), // у
    ('\u{0445}', 'x'), // х
    ('\u{044C}', 'b'), // ь
    ('\u{0455}', 's'), // ѕ
    ('\u{0456}', 'i'), // і
    ('\u{0458}', 'j'), // ј
    ('\u{045B}', 'h'), // ћ
    ('\u{0493}', 'f'), // ғ
    ('\u{04BB}', 'h'), // һ
    ('\u{04CF}', 'l'), // ӏ palochka
    ('\u{0501}', 'd'), // ԁ
    ('\u{051B}', 'q'), // ԛ
    ('\u{051D}', 'w'), // ԝ
    ('\u{0561}', 'w'), // ա
    ('\u{0563}', 'q'), // գ
    ('\u{0566}', 'q'), // զ
    ('\u{0570}', 'h'), // հ
    ('\u{0578}', 'n'), // ո
    ('\u{057C}', 'n'), // ռ
    ('\u{057D}', 'u'), // ս
    ('\u{0581}', 'g'), // ց
    ('\u{0585}', 'o'), // օ
];

/// The Latin letter a Greek, Cyrillic or Armenian look-alike passes for, if any.
pub(crate) fn script_confusable(c: char) -> Option<char> {
    if !('\u{0370}'..='\u{058F}').contains(&c) {
        return None;
    }
    SCRIPT_CONFUSABLES
        .binary_search_by_key(&c, |&(from, _)| from)
        .ok()
        .map(|index| SCRIPT_CONFUSABLES[index].1)
}

/// The second Latin letter a look-alike passes for, where it has one (Cyrillic `у` is read as
/// `y` by [`script_confusable`] and as `u` here).
pub(crate) fn script_confusable_alternate(c: char) -> Option<char> {
    match c {
        '\u{0443}' => Some('u'), // у
        _ => None,
    }
}

/// Whether `c` is a letter of the Latin script (beyond ASCII) that survives decomposition,
/// e.g. `þ`, `æ`. Used to decide whether a token "contains Latin" when folding look-alikes.
pub(crate) fn is_latin_letter(c: char) -> bool {
    matches!(c as u32,
        0x00C0..=0x024F | 0x0250..=0x02AF | 0x1D00..=0x1D7F | 0x1E00..=0x1EFF
        | 0x2C60..=0x2C7F | 0xA720..=0xA7FF | 0xAB30..=0xAB6F)
}

/// Whether `c` belongs to a script whose combining marks are diacritics (Latin, Greek,
/// Cyrillic, Armenian): marks on those letters are dropped for matching. Marks on other scripts
/// (Indic vowel signs, Hebrew points, ...) carry meaning and are kept.
pub(crate) fn has_diacritic_marks(c: char) -> bool {
    c.is_ascii() || is_latin_letter(c) || ('\u{0370}'..='\u{058F}').contains(&c)
}

/// Whether `c` (non-ASCII, not a mark) is a letter or digit. Common chat scripts are answered
/// from code point ranges; everything else falls back to `char::is_alphanumeric`, whose table
/// lookup is comparatively slow.
pub(crate) fn is_word_char(c: char) -> bool {
    match c as u32 {
        // Latin-1 letters, Latin Extended-A/B, IPA.
        0x00C0..=0x00D6 | 0x00D8..=0x00F6 | 0x00F8..=0x02AF => true,
        // Greek letters (not the punctuation and signs around them).
        0x0386 | 0x0388..=0x03FF => c != '\u{03F6}',
        // Cyrillic and Cyrillic Supplement letters (0x482 is a sign, 0x483..0x489 are marks).
        0x0400..=0x0481 | 0x048A..=0x052F => true,
        // Armenian letters.
        0x0531..=0x0556 | 0x0560..=0x0588 => true,
        // Hebrew and Arabic letters.
        0x05D0..=0x05EA | 0x0620..=0x064A => true,
        // Hangul jamo, Latin Extended Additional, Greek Extended (letters).
        0x1100..=0x11FF | 0x1E00..=0x1EFF => true,
        // Hiragana, Katakana, CJK unified ideographs, Hangul syllables.
        0x3041..=0x3096 | 0x30A1..=0x30FA | 0x4E00..=0x9FFF | 0xAC00..=0xD7A3 => true,
        // General punctuation, symbols, arrows, box drawing, dingbats, emoji: not letters.
        0x2000..=0x206F
        | 0x2190..=0x23FF
        | 0x2500..=0x2775
        | 0x2794..=0x27BF
        | 0x1F300..=0x1FAFF => false,
        _ => c.is_alphanumeric(),
    }
}

/// Full case folding beyond `char::to_lowercase` for the characters where the two differ
/// (Unicode `CaseFolding.txt` status F and the Greek symbol variants of status C).
/// Returns `None` when `to_lowercase` gives the folded form.
pub(crate) fn special_case_fold(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' | 'ẞ' => "ss",
        'ς' => "σ",
        'ϐ' => "β",
        'ϑ' => "θ",
        'ϕ' => "φ",
        'ϖ' => "π",
        'ϰ' => "κ",
        'ϱ' => "ρ",
        'ϵ' => "ε",
        'ſ' => "s",
        'ẛ' => "ṡ",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        assert!(DEFAULT_IGNORABLE.windows(2).all(|w| w[0].1 < w[1].0));
        assert!(LATIN_LOOKALIKES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(SYLLABIC_LOOKALIKES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(SCRIPT_CONFUSABLES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn recognises_invisible_characters_as_default_ignorable() {
        for c in [
            '\u{200B}',
            '\u{200D}',
            '\u{00AD}',
            '\u{2060}',
            '\u{FE0F}',
            '\u{202E}',
            '\u{E0041}',
        ] {
            assert!(is_default_ignorable(c), "{c:?}");
        }
        for c in ['a', ' ', '\u{00AC}', '\u{0300}', 'я'] {
            assert!(!is_default_ignorable(c), "{c:?}");
        }
    }

    #[test]
    fn folds_small_capitals_and_enclosed_letters() {
        assert_eq!(latin_lookalike('ꜰ'), Some('f'));
        assert_eq!(latin_lookalike('ᴋ'), Some('k'));
        assert_eq!(latin_lookalike('🅰'), Some('a'));
        assert_eq!(latin_lookalike('🇿'), Some('z'));
        assert_eq!(latin_lookalike('e'), None);
    }

    #[test]
    fn range_fast_path_agrees_with_the_standard_library() {
        let mut mismatches = Vec::new();
        for code in 0x80..0x20000u32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            // Marks never reach this check; unassigned code points may answer either way.
            if unicode_normalization::char::is_combining_mark(c)
                || !unicode_normalization::char::is_public_assigned(c)
            {
                continue;
            }
            if is_word_char(c) != c.is_alphanumeric() {
                mismatches.push(format!("U+{code:04X}"));
            }
        }
        assert!(mismatches.is_empty(), "{}", mismatches.join(" "));
    }

    #[test]
    fn maps_cyrillic_and_greek_lookalikes_to_latin() {
        assert_eq!(script_confusable('ѕ'), Some('s'));
        assert_eq!(script_confusable('υ'), Some('u'));
        assert_eq!(script_confusable('я'), None);
    }
}
