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

/// A ban source answering at once from memory, with no ban or with a ban until lifted: the
/// benchmark measures the ban check's own cost (cache lookup, verdict, the read's plumbing), not
/// the network.
struct InMemory(Option<toolkit_state::ActiveBan>);

impl toolkit_state::BanLookup for InMemory {
    fn current_ban<'a>(
        &'a self,
        _room: &'a str,
        _user: &'a str,
    ) -> toolkit_state::BanLookupFuture<'a> {
        Box::pin(std::future::ready(Ok(self.0)))
    }
}

/// A table that accepts the read and never answers (DynamoDB slow or unreachable behind an open
/// connection): a cache miss waits the whole lookup timeout, then the failure mode applies.
struct NeverAnswers;

impl toolkit_state::BanLookup for NeverAnswers {
    fn current_ban<'a>(
        &'a self,
        _room: &'a str,
        _user: &'a str,
    ) -> toolkit_state::BanLookupFuture<'a> {
        Box::pin(std::future::pending())
    }
}

/// What the ban check adds to a review, on each of its paths:
///
/// - `handler_with_cached_ban_check` against `handler_without_ban_check`: a cache hit (every
///   message but the first per user in each staleness window), sender not banned;
/// - `handler_cached_banned_sender`: a cache hit for a banned sender (denied before the policy);
/// - `cached_ban_check_alone`, `cache_miss_instant_read`: the check by itself, answered from
///   the cache and after a read that answers at once (a fresh gate for every check);
/// - `cache_miss_read_timeout`: a miss whose read never answers, with the default 50 ms lookup
///   timeout: what one message waits at worst before the failure mode applies.
fn ban_check(c: &mut Criterion) {
    use review_handler::bans::{BanCheckSettings, BanVerdict, CachedBanCheck};
    use toolkit_state::ActiveBan;

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
    let settings = BanCheckSettings {
        // Long enough that no refresh starts during the measurement.
        fresh_for: std::time::Duration::from_secs(60),
        ..Default::default()
    };
    let banned = ActiveBan {
        until: None,
        everywhere: false,
    };
    let not_banned = CachedBanCheck::new(InMemory(None), settings);
    let banned_gate = CachedBanCheck::new(InMemory(Some(banned)), settings);
    let clean: String = "the stream was great today and everyone in chat had a good time watching the final boss fight again gg"
        .chars()
        .take(100)
        .collect();
    let json = request_json(&clean);
    let review = |gate: Option<&std::sync::Arc<CachedBanCheck>>| {
        let event: serde_json::Value = serde_json::from_str(black_box(&json)).ok()?;
        runtime
            .block_on(review_handler::review_event(&policy, gate, event))
            .ok()
    };
    // Each path must do what it is named for, or its figure means nothing.
    assert_eq!(
        review(Some(&banned_gate)).map(|r| r.review_result),
        Some(ivschat_api::review::ReviewResult::Deny),
        "a banned sender is denied"
    );
    assert_eq!(
        review(Some(&not_banned)).map(|r| r.review_result),
        Some(ivschat_api::review::ReviewResult::Allow),
        "a clean message from a sender not banned is allowed"
    );
    let mut group = c.benchmark_group("ban_check");
    group.bench_function("handler_without_ban_check", |b| b.iter(|| review(None)));
    group.bench_function("handler_with_cached_ban_check", |b| {
        b.iter(|| review(Some(&not_banned)))
    });
    group.bench_function("handler_cached_banned_sender", |b| {
        b.iter(|| review(Some(&banned_gate)))
    });
    group.bench_function("cached_ban_check_alone", |b| {
        b.iter(|| {
            runtime.block_on(not_banned.check(black_box("abcdEFGH1234"), black_box("viewer-17")))
        })
    });
    group.bench_function("cache_miss_instant_read", |b| {
        b.iter_batched(
            || CachedBanCheck::new(InMemory(None), settings),
            // The gate is returned, so that dropping it is not measured.
            |gate| {
                let verdict =
                    runtime.block_on(gate.check(black_box("abcdEFGH1234"), black_box("viewer-17")));
                (gate, verdict)
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();

    let mut slow = c.benchmark_group("ban_check_slow_table");
    // Each check waits the whole 50 ms timeout: ten samples are enough to show the bound holds.
    slow.sample_size(10);
    let timeout_gate = || CachedBanCheck::new(NeverAnswers, settings);
    assert_eq!(
        runtime.block_on(timeout_gate().check("abcdEFGH1234", "viewer-17")),
        BanVerdict::Clear,
        "failing open, a miss that times out reviews the message"
    );
    slow.bench_function("cache_miss_read_timeout", |b| {
        b.iter_batched(
            timeout_gate,
            |gate| {
                let verdict =
                    runtime.block_on(gate.check(black_box("abcdEFGH1234"), black_box("viewer-17")));
                (gate, verdict)
            },
            criterion::BatchSize::PerIteration,
        )
    });
    slow.finish();
}

criterion_group!(benches, handler, ban_check);
criterion_main!(benches);
