//! Any header values, body and clock given to webhook verification: no panic, bounded work,
//! and a signature made by the signer always verifies (docs/security.md).

#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue};
use http_api::signature::{NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use http_api::{LegacySignatures, WebhookRequest, WebhookSecret};
use libfuzzer_sys::fuzz_target;

const SECRET: &[u8] = b"fuzz-webhook-secret-0123456789abcdef";

/// Splits the input at `0xFF` bytes into timestamp, nonce, signature header and body.
fn parts(data: &[u8]) -> (u64, [&[u8]; 4]) {
    let (clock, rest) = data.split_at(data.len().min(8));
    let mut seconds = [0u8; 8];
    seconds[..clock.len()].copy_from_slice(clock);
    let mut fields = rest.splitn(4, |b| *b == 0xFF);
    let mut next = || fields.next().unwrap_or_default();
    (
        u64::from_le_bytes(seconds),
        [next(), next(), next(), next()],
    )
}

fuzz_target!(|data: &[u8]| {
    let Ok(secret) = WebhookSecret::new("fuzz", SECRET) else {
        return;
    };
    let (clock, [timestamp, nonce, signature, body]) = parts(data);
    // Any clock the platform can hold, including the epoch and far beyond now.
    let now = UNIX_EPOCH
        .checked_add(Duration::from_secs(clock >> 2))
        .unwrap_or(UNIX_EPOCH);
    let mut headers = HeaderMap::new();
    for (name, value) in [
        (TIMESTAMP_HEADER, timestamp),
        (NONCE_HEADER, nonce),
        (SIGNATURE_HEADER, signature),
    ] {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(name, value);
        }
    }
    let request = WebhookRequest {
        method: "POST",
        path: "/webhooks/moderation",
        headers: &headers,
        body,
    };
    for legacy in [LegacySignatures::Refuse, LegacySignatures::Accept] {
        if let Ok(verified) = secret.verify(&request, now, legacy) {
            assert!(
                verified.replay_key.starts_with("v2:") || verified.replay_key.starts_with("v1:")
            );
        }
    }
    // A request the signer signed verifies, whatever the body, when nonce and time are valid.
    let ts = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .min(9_999_999_999);
    let nonce = "fuzz-nonce-0123456789";
    if body.len() <= http_api::signature::MAX_WEBHOOK_BODY_BYTES {
        let mut signed = HeaderMap::new();
        signed.insert(TIMESTAMP_HEADER, HeaderValue::from(ts));
        signed.insert(NONCE_HEADER, HeaderValue::from_static(nonce));
        let value = secret.sign_v2("POST", "/webhooks/moderation", ts, nonce, body);
        if let Ok(value) = HeaderValue::from_str(&value) {
            signed.insert(SIGNATURE_HEADER, value);
        }
        let request = WebhookRequest {
            headers: &signed,
            ..request
        };
        let at = UNIX_EPOCH + Duration::from_secs(ts);
        assert!(
            secret
                .verify(&request, at, LegacySignatures::Refuse)
                .is_ok()
        );
    }
});
