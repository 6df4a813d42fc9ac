//! The review handler from JSON in to JSON out, as the Lambda runtime drives it (minus the
//! runtime's own HTTP exchange). EMF lines go to stdout, so run with stdout redirected:
//! `cargo bench -p review-handler --bench handler -- --warm-up-time 1 --measurement-time 3 > /dev/null`
//! and read the figures from `target/criterion`, or pass `--noplot` and keep stderr.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ivschat_moderation::PolicySet;
use review_handler::handle_event;

fn request_json(content: &str) -> String {
    serde_json::json!({
        "Content": content,
        "MessageId": "A1b2C3d4E5f6",
        "RoomArn": "arn:aws:ivschat:us-east-1:123456789012:room/abcdEFGH1234",
        "Attributes": {},
        "Sender": {"Attributes": {"role": "viewer"}, "UserId": "viewer-17", "Ip": "203.0.113.10"}
    })
    .to_string()
}

fn handler(c: &mut Criterion) {
    let policy = match PolicySet::builtin() {
        Ok(policy) => policy,
        Err(error) => panic!("built-in policy must compile: {error}"),
    };
    // 100 code points of ordinary chat.
    let clean: String = "the stream was great today and everyone in chat had a good time watching the final boss fight again gg"
        .chars()
        .take(100)
        .collect();
    let dirty = clean.replacen("great", "f\u{200b}uck", 1);
    let mut group = c.benchmark_group("handler_json_to_json");
    for (name, content) in [("clean_100cp", &clean), ("dirty_100cp", &dirty)] {
        let json = request_json(content);
        group.bench_function(name, |b| {
            b.iter(|| {
                let event: serde_json::Value = serde_json::from_str(black_box(&json)).ok()?;
                let response = handle_event(&policy, event).ok()?;
                serde_json::to_string(&response).ok()
            })
        });
    }
    group.finish();

    // Where the time goes, for the clean message.
    let json = request_json(&clean);
    let mut parts = c.benchmark_group("handler_parts");
    parts.bench_function("parse_event_100cp", |b| {
        b.iter(|| {
            let event: serde_json::Value = serde_json::from_str(black_box(&json)).ok()?;
            serde_json::from_value::<ivschat_api::review::ReviewRequest>(event).ok()
        })
    });
    let request: Option<ivschat_api::review::ReviewRequest> = serde_json::from_str(&json).ok();
    if let Some(request) = request {
        parts.bench_function("review_100cp", |b| {
            b.iter(|| policy.review(black_box(&request)))
        });
        let review = policy.review(&request);
        parts.bench_function("serialise_response", |b| {
            b.iter(|| serde_json::to_string(black_box(&review.response)).ok())
        });
        parts.bench_function("metric_lines", |b| {
            b.iter(|| review_handler::metric_lines(black_box(&review), 3.2, 1_700_000_000_000))
        });
    }
    parts.finish();
}

/// A ban source answering at once from memory: the benchmark measures the ban check's own
/// cost (cache lookup, verdict), not the network.
struct NoBansInMemory;

impl review_handler::bans::BanSource for NoBansInMemory {
    fn read<'a>(&'a self, _room: &'a str, _user: &'a str) -> review_handler::bans::BanRead<'a> {
        Box::pin(std::future::ready(Ok(None)))
    }
}

/// What the ban check adds to a review when its answer is cached (every message but the first
/// per user in each staleness window): the handler with and without it, on one runtime.
fn ban_check(c: &mut Criterion) {
    let policy = match PolicySet::builtin() {
        Ok(policy) => policy,
        Err(error) => panic!("built-in policy must compile: {error}"),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => panic!("a runtime: {error}"),
    };
    let gate = review_handler::bans::BanGate::new(
        NoBansInMemory,
        review_handler::bans::BanCheckSettings {
            // Long enough that no refresh starts during the measurement.
            fresh_for: std::time::Duration::from_secs(60),
            ..Default::default()
        },
    );
    let clean: String = "the stream was great today and everyone in chat had a good time watching the final boss fight again gg"
        .chars()
        .take(100)
        .collect();
    let json = request_json(&clean);
    let mut group = c.benchmark_group("ban_check");
    group.bench_function("handler_without_ban_check", |b| {
        b.iter(|| {
            let event: serde_json::Value = serde_json::from_str(black_box(&json)).ok()?;
            runtime
                .block_on(review_handler::review_event(&policy, None, event))
                .ok()
        })
    });
    group.bench_function("handler_with_cached_ban_check", |b| {
        b.iter(|| {
            let event: serde_json::Value = serde_json::from_str(black_box(&json)).ok()?;
            runtime
                .block_on(review_handler::review_event(&policy, Some(&gate), event))
                .ok()
        })
    });
    group.bench_function("cached_ban_check_alone", |b| {
        b.iter(|| runtime.block_on(gate.check(black_box("abcdEFGH1234"), black_box("viewer-17"))))
    });
    group.finish();
}

criterion_group!(benches, handler, ban_check);
criterion_main!(benches);
