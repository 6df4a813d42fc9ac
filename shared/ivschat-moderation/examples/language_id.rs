//! Measures whether a language identifier pays for its microseconds on short chat lines.
//!
//! `cargo run --release -p ivschat-moderation --example language_id`
//!
//! For every line of `tests/corpus/chat_lines.tsv` (short chat lines in en, es, pt, de, fr) it
//! compares the language each method reads, and what each costs per message:
//! - the engine's own signal: the built-in packs' hint words, matched in the same automaton
//!   pass as the terms ([`CompiledProfile::message_language`]);
//! - `whatlang::detect` restricted to the five pack languages, with and without its
//!   `is_reliable` flag.
//!
//! A method "reads" a line right when it names the line's language; "no answer" counts as
//! wrong for the accuracy and is reported separately (the engine then falls back to the room's
//! main language). The result is in `shared/ivschat-moderation/BENCHMARKS.md`.

use std::time::Instant;

use ivschat_moderation::PolicySet;
use whatlang::{Detector, Lang};

const LINES: &str = include_str!("../tests/corpus/chat_lines.tsv");

fn code(lang: Lang) -> &'static str {
    match lang {
        Lang::Eng => "en",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Deu => "de",
        Lang::Fra => "fr",
        _ => "other",
    }
}

#[derive(Default)]
struct Score {
    right: usize,
    wrong: usize,
    none: usize,
    nanos: u128,
}

impl Score {
    fn record(&mut self, expected: &str, got: Option<&str>, nanos: u128) {
        self.nanos += nanos;
        match got {
            Some(language) if language == expected => self.right += 1,
            Some(_) => self.wrong += 1,
            None => self.none += 1,
        }
    }

    fn print(&self, name: &str, total: usize) {
        println!(
            "{name:<32} right {:>3}/{total} ({:>5.1} %)  wrong {:>3}  no answer {:>3}  {:>6.2} µs/line",
            self.right,
            100.0 * self.right as f64 / total as f64,
            self.wrong,
            self.none,
            self.nanos as f64 / 1000.0 / total as f64
        );
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = PolicySet::builtin()?;
    let profile = policy
        .profile("multilingual")
        .ok_or("the built-in policy has no multilingual profile")?;
    let detector =
        Detector::with_allowlist(vec![Lang::Eng, Lang::Spa, Lang::Por, Lang::Deu, Lang::Fra]);
    let lines: Vec<(&str, &str)> = LINES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .collect();
    let rounds = 200;
    let (mut hints, mut whatlang_any, mut whatlang_reliable, mut decide) = (
        Score::default(),
        Score::default(),
        Score::default(),
        Score::default(),
    );
    for round in 0..rounds {
        for &(expected, text) in &lines {
            let started = Instant::now();
            let got = profile.message_language(text).map(str::to_string);
            let elapsed = started.elapsed().as_nanos();
            let started = Instant::now();
            let info = detector.detect(text);
            let whatlang_nanos = started.elapsed().as_nanos();
            let started = Instant::now();
            let attributes = Default::default();
            std::hint::black_box(profile.decide(&ivschat_moderation::MessageContext {
                content: text,
                user_id: "u",
                sender_attributes: &attributes,
            }));
            let decide_nanos = started.elapsed().as_nanos();
            if round == 0 {
                hints.record(expected, got.as_deref(), 0);
                whatlang_any.record(expected, info.as_ref().map(|i| code(i.lang())), 0);
                whatlang_reliable.record(
                    expected,
                    info.as_ref()
                        .filter(|i| i.is_reliable())
                        .map(|i| code(i.lang())),
                    0,
                );
            }
            hints.nanos += elapsed;
            whatlang_any.nanos += whatlang_nanos;
            whatlang_reliable.nanos += whatlang_nanos;
            decide.nanos += decide_nanos;
        }
    }
    let total = lines.len();
    let per_round = |score: &mut Score| score.nanos /= rounds as u128;
    for score in [
        &mut hints,
        &mut whatlang_any,
        &mut whatlang_reliable,
        &mut decide,
    ] {
        per_round(score);
    }
    println!(
        "{total} short chat lines (tests/corpus/chat_lines.tsv), times averaged over {rounds} rounds"
    );
    hints.print("pack hint words (in the engine)", total);
    whatlang_any.print("whatlang, any answer", total);
    whatlang_reliable.print("whatlang, reliable answers only", total);
    println!(
        "{:<32} {:>6.2} µs/line (normalise + one automaton pass + rules)",
        "whole decision, multilingual",
        decide.nanos as f64 / 1000.0 / total as f64
    );
    Ok(())
}
