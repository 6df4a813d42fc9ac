//! Text that comes from outside (claims, bodies) made safe to use: role names of a fixed
//! character set, display names without bidirectional or invisible characters, and bounded
//! values for error bodies and logs ([`bounded`], [`log_field`]). The crate's other modules
//! use these; this one uses none of them.
//!
//! **Role names** are 1–[`MAX_ROLE_NAME_CHARS`] of `A–Z a–z 0–9 - _ .` ([`is_safe_role_name`]).
//! API Gateway flattens an array claim to `[a b c]`, so a group name holding a space cannot be
//! told apart from two groups; one holding a comma could be read as two roles by a reader that
//! splits on commas, and a token's `role` attribute joins roles with commas. Restricting role
//! names to this set keeps both forms unambiguous: names outside it are never roles.

/// Longest role name accepted.
pub const MAX_ROLE_NAME_CHARS: usize = 64;
/// Longest display name copied into a chat token, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;
/// Longest value of one field in a log line, in characters.
pub const MAX_LOG_FIELD_CHARS: usize = 256;

/// True when `name` is 1–[`MAX_ROLE_NAME_CHARS`] of `A–Z a–z 0–9 - _ .`.
pub fn is_safe_role_name(name: &str) -> bool {
    (1..=MAX_ROLE_NAME_CHARS).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// True for characters that change how text around them is shown without being visible
/// themselves: bidirectional controls (which can make `evil` read as `live`), zero-width and
/// joiner characters, soft hyphens, fillers, variation selectors, tag characters and line or
/// paragraph separators.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// A display name fit for a chat token: control and invisible characters ([`is_invisible`])
/// removed, runs of whitespace made one space, trimmed, cut to [`MAX_DISPLAY_NAME_CHARS`];
/// `None` when nothing is left.
pub fn sanitize_display_name(raw: &str) -> Option<String> {
    let mut name = String::with_capacity(raw.len().min(MAX_DISPLAY_NAME_CHARS * 4));
    let mut count = 0;
    let mut pending_space = false;
    for c in raw.chars() {
        if c.is_whitespace() {
            pending_space = count > 0;
            continue;
        }
        if c.is_control() || is_invisible(c) {
            continue;
        }
        let needed = if pending_space { 2 } else { 1 };
        if count + needed > MAX_DISPLAY_NAME_CHARS {
            break;
        }
        if pending_space {
            name.push(' ');
            count += 1;
            pending_space = false;
        }
        name.push(c);
        count += 1;
    }
    (!name.is_empty()).then_some(name)
}

/// `text` with control and invisible format characters replaced by `?` and cut to `max`
/// characters (the last one then `…`): safe to echo in an error body or a log line whatever the
/// caller sent.
pub fn bounded(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 4));
    for (i, c) in text.chars().enumerate() {
        if i + 1 == max && text.chars().nth(max).is_some() {
            out.push('…');
            break;
        }
        out.push(if c.is_control() || is_invisible(c) {
            '?'
        } else {
            c
        });
    }
    out
}

/// `value` cut to [`MAX_LOG_FIELD_CHARS`] with control characters replaced: one log line stays
/// one bounded line whatever a caller sent.
pub fn log_field(value: &str) -> String {
    bounded(value, MAX_LOG_FIELD_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_limited_to_the_documented_set() {
        for good in ["admin", "moderator", "tier-1", "ops_team", "a.b", "A9"] {
            assert!(is_safe_role_name(good), "{good}");
        }
        let long = "r".repeat(MAX_ROLE_NAME_CHARS + 1);
        for bad in [
            "",
            "a,b",
            "a b",
            "admin\u{200B}",
            "rôle",
            "[admin]",
            "\"x\"",
            &long,
        ] {
            assert!(!is_safe_role_name(bad), "{bad}");
        }
    }

    #[test]
    fn display_names_lose_bidi_and_invisible_characters() {
        // GIVEN a name using a right-to-left override to show "evil" as "live"
        assert_eq!(
            sanitize_display_name("\u{202E}live\u{202C} admin").as_deref(),
            Some("live admin")
        );
        assert_eq!(
            sanitize_display_name("A\u{200B}d\u{00AD}a\u{FEFF}\u{E0041}").as_deref(),
            Some("Ada")
        );
        assert_eq!(
            sanitize_display_name("  Ada \n\t Lovelace  ").as_deref(),
            Some("Ada Lovelace")
        );
        assert_eq!(sanitize_display_name("\u{200B}\u{2066} \u{2069}"), None);
    }

    #[test]
    fn display_names_are_capped() {
        let long = "é".repeat(500);
        let name = sanitize_display_name(&long).expect("something left");
        assert_eq!(name.chars().count(), MAX_DISPLAY_NAME_CHARS);
    }

    #[test]
    fn log_fields_are_bounded_and_single_line() {
        let value = log_field(&format!("a\nb{}", "x".repeat(10_000)));
        assert!(value.starts_with("a?b"));
        assert_eq!(value.chars().count(), MAX_LOG_FIELD_CHARS);
        assert!(value.ends_with('…'));
        assert_eq!(log_field("short"), "short");
    }
}
