//! Decides the benchmark messages many times each, for counting instructions under callgrind:
//! unlike the criterion timings, an instruction count does not depend on how fast the machine is
//! or on what else it is doing, so it compares two versions of the engine fairly.
//!
//! Run (the figures in `shared/ivschat-moderation/BENCHMARKS.md`):
//!
//! ```text
//! scripts/decision-instructions.sh
//! ```
//!
//! which builds this example with the bench profile (release, symbols kept) and runs, for each message,
//! `valgrind --tool=callgrind --toggle-collect='*CompiledProfile*decide' \
//!   target/release/examples/decision_instructions MESSAGE REPEATS`
//! and divides the collected instructions by `REPEATS`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::process::ExitCode;

use ivschat_moderation::{MessageContext, PolicySet, Verdict};

#[path = "../benches/support/synthetic.rs"]
mod synthetic;

/// The messages of the criterion benchmark `decide_10k_terms`, by its labels.
const MESSAGES: &[&str] = &[
    "ascii_clean_20cp",
    "ascii_dirty_20cp",
    "unicode_clean_20cp",
    "unicode_dirty_20cp",
    "ascii_clean_100cp",
    "ascii_dirty_100cp",
    "unicode_clean_100cp",
    "unicode_dirty_100cp",
    "ascii_clean_500cp",
    "ascii_dirty_500cp",
    "unicode_clean_500cp",
    "unicode_dirty_500cp",
];

/// The message a label names (`{script}_{clean|dirty}_{N}cp`), or `None`.
fn message_for(label: &str) -> Option<String> {
    let mut parts = label.split('_');
    let script = parts.next()?;
    let dirty = match parts.next()? {
        "clean" => false,
        "dirty" => true,
        _ => return None,
    };
    let code_points: usize = parts.next()?.strip_suffix("cp")?.parse().ok()?;
    match script {
        "ascii" => Some(synthetic::ascii_message(code_points, dirty)),
        "unicode" => Some(synthetic::unicode_message(code_points, dirty)),
        _ => None,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (label, repeats) = match args.as_slice() {
        [label, repeats] => match repeats.parse::<u32>() {
            Ok(repeats) if repeats > 0 => (label.as_str(), repeats),
            _ => {
                eprintln!("decision_instructions: REPEATS must be a whole number above 0");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!(
                "usage: decision_instructions MESSAGE REPEATS\n  MESSAGE is one of: {}",
                MESSAGES.join(", ")
            );
            return ExitCode::from(2);
        }
    };
    let Some(text) = message_for(label) else {
        eprintln!(
            "decision_instructions: unknown MESSAGE {label:?}; one of: {}",
            MESSAGES.join(", ")
        );
        return ExitCode::from(2);
    };
    let toml = synthetic::synthetic_policy_toml(10_000);
    let policy = match PolicySet::from_toml_str(&toml, "synthetic") {
        Ok(policy) => policy,
        Err(error) => {
            eprintln!("decision_instructions: the synthetic policy failed to compile: {error}");
            return ExitCode::FAILURE;
        }
    };
    let profile = policy.profile_for_room("bench-room");
    let attributes = BTreeMap::new();
    let mut denied = 0u32;
    for _ in 0..repeats {
        let decision = profile.decide(black_box(&MessageContext {
            content: &text,
            user_id: "viewer-1",
            sender_attributes: &attributes,
        }));
        denied += u32::from(matches!(decision.verdict, Verdict::Deny { .. }));
    }
    println!("{label}: {repeats} decisions, {denied} denied");
    ExitCode::SUCCESS
}
