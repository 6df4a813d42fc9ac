//! Joining letters split by spaces or masks (`fu ck`, `sh it`) back into the term they spell.

use super::decision_scratch::DecisionScratch;
use crate::policy::Severity;
use crate::terms::{TermHit, TermMatcher};

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
pub(super) fn find_split_words(terms: &TermMatcher, scratch: &mut DecisionScratch) {
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
            if let Some(term) = terms.whole_text_term(
                &scratch.secondary,
                Severity::High,
                scratch.matches.languages,
            ) {
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
}
