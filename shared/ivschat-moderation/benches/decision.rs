//! Decision time with a 10,000-term policy, and policy compile time.
//!
//! Run: `cargo bench -p ivschat-moderation --bench decision -- --warm-up-time 1 --measurement-time 3`

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ivschat_moderation::{MessageContext, PolicySet};

#[path = "support/synthetic.rs"]
mod synthetic;

const TERMS: usize = 10_000;

fn decision(c: &mut Criterion) {
    let toml = synthetic::synthetic_policy_toml(TERMS);
    let policy = match PolicySet::from_toml_str(&toml, "synthetic") {
        Ok(policy) => policy,
        Err(error) => panic!("synthetic policy must compile: {error}"),
    };
    let profile = policy.profile_for_room("bench-room");
    let attributes = BTreeMap::new();
    let mut group = c.benchmark_group("decide_10k_terms");
    for code_points in [20, 100, 500] {
        for (script, make) in [
            (
                "ascii",
                synthetic::ascii_message as fn(usize, bool) -> String,
            ),
            ("unicode", synthetic::unicode_message),
        ] {
            for dirty in [false, true] {
                let text = make(code_points, dirty);
                let label = format!(
                    "{script}_{}_{code_points}cp",
                    if dirty { "dirty" } else { "clean" }
                );
                group.bench_function(BenchmarkId::from_parameter(label), |b| {
                    b.iter(|| {
                        profile.decide(black_box(&MessageContext {
                            content: &text,
                            user_id: "viewer-1",
                            sender_attributes: &attributes,
                        }))
                    })
                });
            }
        }
    }
    group.finish();
}

fn compile(c: &mut Criterion) {
    let toml = synthetic::synthetic_policy_toml(TERMS);
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    group.bench_function("policy_10k_terms", |b| {
        b.iter(|| {
            PolicySet::from_toml_str(black_box(&toml), "synthetic").map(|p| p.profiles().len())
        })
    });
    group.bench_function("builtin_policy", |b| b.iter(PolicySet::builtin));
    group.finish();
}

criterion_group!(benches, decision, compile);
criterion_main!(benches);
