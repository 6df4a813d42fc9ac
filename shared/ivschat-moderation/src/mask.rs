//! Masking matched spans in the original text.

use unicode_segmentation::UnicodeSegmentation;

/// Replaces every grapheme cluster that overlaps one of `spans` (byte ranges of `text`) with a
/// single `mask` character; every other byte is copied unchanged. Spans may overlap, be
/// unsorted, or fall outside the text (the outside part is ignored).
pub fn mask_spans(text: &str, spans: &[(usize, usize)], mask: char) -> String {
    let mut sorted: Vec<(usize, usize)> = spans
        .iter()
        .copied()
        .filter(|&(start, end)| start < end)
        .collect();
    sorted.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut next_span = 0;
    for (start, grapheme) in text.grapheme_indices(true) {
        let end = start + grapheme.len();
        while next_span < sorted.len() && sorted[next_span].1 <= start {
            next_span += 1;
        }
        let overlaps = sorted[next_span..]
            .iter()
            .take_while(|&&(span_start, _)| span_start < end)
            .any(|&(_, span_end)| span_end > start);
        if overlaps {
            out.push(mask);
        } else {
            out.push_str(grapheme);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_one_character_per_grapheme_and_keeps_the_rest() {
        let text = "très f\u{301}uck café";
        let start = text.find('f').unwrap_or(0);
        let end = start + "f\u{301}uck".len();
        assert_eq!(mask_spans(text, &[(start, end)], '*'), "très **** café");
    }

    #[test]
    fn merges_overlapping_spans() {
        assert_eq!(mask_spans("abcdef", &[(1, 3), (2, 4)], '#'), "a###ef");
    }
}
