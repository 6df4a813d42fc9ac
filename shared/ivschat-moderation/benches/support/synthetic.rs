//! Deterministic synthetic policies and messages shared by the benchmarks and the
//! `policy_memory` example.

#![allow(dead_code)]

/// A small linear congruential generator: deterministic across runs and platforms.
pub struct Lcg(u64);

impl Lcg {
    /// A generator with a fixed seed.
    pub fn new(seed: u64) -> Self {
        Lcg(seed)
    }

    /// The next pseudo-random value.
    pub fn next_value(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

/// The built-in default policy plus `term_count` synthetic terms (random 5–10 letter words,
/// 85 % whole-word, 5 % each prefix, suffix and anywhere) in 10 groups, with every built-in
/// language pack loaded: rooms without a profile get the `multilingual` one.
pub fn synthetic_policy_toml(term_count: usize) -> String {
    let mut rng = Lcg::new(0x2545_F491_4F6C_DD1D);
    let mut toml = ivschat_moderation::DEFAULT_POLICY_TOML.replacen(
        "default_profile = \"default\"",
        "default_profile = \"multilingual\"",
        1,
    );
    let groups = if term_count == 0 { 0 } else { 10 };
    for group in 0..groups {
        toml.push_str(&format!(
            "\n[[terms]]\nrule = \"synthetic-{group}\"\ncategory = \"synthetic\"\nseverity = \"medium\"\npatterns = [\n"
        ));
        for _ in 0..term_count / groups {
            let len = 5 + (rng.next_value() % 6) as usize;
            let word: String = (0..len)
                .map(|_| char::from(b'a' + (rng.next_value() % 26) as u8))
                .collect();
            let pattern = match rng.next_value() % 20 {
                0 => format!("*{word}*"),
                1 => format!("{word}*"),
                2 => format!("*{word}"),
                _ => word,
            };
            toml.push_str(&format!("  \"{pattern}\",\n"));
        }
        toml.push_str("]\n");
    }
    toml
}

const ASCII_WORDS: &[&str] = &[
    "the", "stream", "was", "great", "today", "and", "everyone", "in", "chat", "had", "a", "good",
    "time", "watching", "final", "boss", "fight", "again", "see", "you", "tomorrow", "at", "7pm",
    "gg", "wp", "that", "play", "clutch",
];

const UNICODE_WORDS: &[&str] = &[
    "Привет",
    "друзья",
    "très",
    "bien",
    "καλημέρα",
    "😀",
    "Tôi",
    "yêu",
    "tiếng",
    "Việt",
    "日本語",
    "مرحبا",
    "ça",
    "va",
    "café",
    "naïve",
    "Ελλάδα",
    "спасибо",
    "🎉",
    "über",
];

/// A message of exactly `code_points` code points built from `words`, with `dirty` (if any)
/// placed in the middle.
fn message(words: &[&str], code_points: usize, dirty: Option<&str>) -> String {
    let mut text = String::new();
    let mut index = 0;
    while text.chars().count() < code_points {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(words[index % words.len()]);
        index += 1;
    }
    let mut text: String = text.chars().take(code_points).collect();
    if let Some(dirty) = dirty {
        let middle: usize = text
            .char_indices()
            .nth(code_points / 2)
            .map_or(0, |(i, _)| i);
        let insert = format!(" {dirty} ");
        text.insert_str(middle, &insert);
        let len = insert.chars().count();
        // Keep the length: drop as many code points from the end.
        text = text.chars().take(code_points.max(len)).collect();
    }
    text
}

/// Plain ASCII chat text of `code_points` code points, with "fuck" in the middle if `dirty`.
pub fn ascii_message(code_points: usize, dirty: bool) -> String {
    message(ASCII_WORDS, code_points, dirty.then_some("fuck"))
}

/// Mixed-script text (Cyrillic, Greek, Vietnamese, CJK, Arabic, emoji) of `code_points` code
/// points, with a fullwidth and a Greek-lookalike evasion in the middle if `dirty`.
pub fn unicode_message(code_points: usize, dirty: bool) -> String {
    message(UNICODE_WORDS, code_points, dirty.then_some("ｆｕｃｋ fυck"))
}
