//! Signed webhooks: HMAC-SHA256 with a shared secret, for machine callers that have no JWT.
//!
//! The caller sends:
//! - `X-Signature-Timestamp`: the current time in unix seconds (1–10 ASCII digits);
//! - `X-Signature-Nonce`: a request id the sender chooses afresh for every request
//!   ([`MIN_NONCE_CHARS`]–[`MAX_NONCE_CHARS`] of `A–Z a–z 0–9 - _ . :`, e.g. a UUID);
//! - `X-Signature`: `v2=` followed by the lowercase hex HMAC-SHA256, keyed with the secret, of
//!   [`v2_material`]: `v2 \n METHOD \n PATH \n TIMESTAMP \n NONCE \n BODY` (the path of the route
//!   without any stage prefix, the body exactly as sent).
//!
//! Up to [`MAX_SIGNATURE_ENTRIES`] signatures may be sent comma-separated (while a secret
//! rotates); one match is enough. A request whose timestamp is more than [`MAX_CLOCK_SKEW`] away
//! from "now" is refused, and [`VerifiedWebhook::replay_key`] lets the caller refuse a second
//! request with the same nonce inside that window (the moderation API keeps seen nonces in the
//! toolkit's DynamoDB state table).
//!
//! The legacy scheme `v1` (HMAC of `TIMESTAMP "." BODY`, no method, path or nonce) is accepted
//! only when the verifier is built with [`LegacySignatures::Accept`]; its replay key is then the
//! signature itself, so the very same request cannot be replayed either.
//!
//! Verification does a bounded amount of work whatever the input: the body is refused above
//! [`MAX_WEBHOOK_BODY_BYTES`] before anything is hashed, header values are length-checked
//! before they are parsed, the timestamp is compared with plain unsigned integer arithmetic
//! that cannot overflow, each scheme's MAC is computed at most once, and every entry is compared
//! with it in constant time. "Now" comes from a [`Clock`], so tests can check a fixture signed
//! at a fixed time.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use http::HeaderMap;
use ivschat_api::Violation;
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The header holding the unix-seconds timestamp.
pub const TIMESTAMP_HEADER: &str = "x-signature-timestamp";
/// The header holding the sender's nonce (scheme `v2`).
pub const NONCE_HEADER: &str = "x-signature-nonce";
/// The header holding `v2=<hex>` (or, when accepted, `v1=<hex>`) signature entries.
pub const SIGNATURE_HEADER: &str = "x-signature";
/// How far a timestamp may be from now, either way.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(300);
/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;
/// Most signature entries in one `X-Signature` header.
pub const MAX_SIGNATURE_ENTRIES: usize = 4;
/// Longest `X-Signature` header accepted, in bytes (four entries and separators fit).
pub const MAX_SIGNATURE_HEADER_BYTES: usize = 512;
/// Most digits of a timestamp (unix seconds fit in 10 digits until the year 2286).
pub const MAX_TIMESTAMP_DIGITS: usize = 10;
/// Shortest nonce accepted.
pub const MIN_NONCE_CHARS: usize = 16;
/// Longest nonce accepted.
pub const MAX_NONCE_CHARS: usize = 128;
/// Largest webhook body accepted, in bytes; checked before anything is hashed.
pub const MAX_WEBHOOK_BODY_BYTES: usize = 16 * 1024;

const TAG_HEX_LEN: usize = 64;

/// What "now" is.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock stopped at one instant (tests, fixtures).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub SystemTime);

impl FixedClock {
    /// A clock stopped at `seconds` after the unix epoch.
    pub fn at_unix_seconds(seconds: u64) -> Self {
        Self(UNIX_EPOCH + Duration::from_secs(seconds))
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// A signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureScheme {
    /// Legacy: HMAC over `timestamp.body`; no method, path or nonce, so only the exact same
    /// request can be recognised as a replay.
    V1,
    /// HMAC over method, path, timestamp, nonce and body.
    V2,
}

impl SignatureScheme {
    /// `v1` or `v2`, as in the header.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V2 => "v2",
        }
    }
}

/// Whether the legacy `v1` scheme is still accepted (for migrating senders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LegacySignatures {
    /// Only `v2` (the default for new deployments).
    #[default]
    Refuse,
    /// `v2`, and `v1` too.
    Accept,
}

/// Why a webhook was refused. Every variant but [`SignatureError::BodyTooLarge`] becomes 401;
/// the variant is for logs and for the caller's message, and never echoes the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The body is larger than [`MAX_WEBHOOK_BODY_BYTES`] (413).
    #[error("the body is larger than {MAX_WEBHOOK_BODY_BYTES} bytes")]
    BodyTooLarge,
    /// No `X-Signature-Timestamp` header.
    #[error("missing X-Signature-Timestamp header")]
    MissingTimestamp,
    /// The timestamp is not 1–10 ASCII digits.
    #[error("X-Signature-Timestamp must be unix seconds: 1 to {MAX_TIMESTAMP_DIGITS} digits")]
    MalformedTimestamp,
    /// The timestamp is too far in the past or the future.
    #[error("signature timestamp is more than {} seconds from now", MAX_CLOCK_SKEW.as_secs())]
    Stale,
    /// No `X-Signature` header.
    #[error("missing X-Signature header")]
    MissingSignature,
    /// `X-Signature` is too long, has too many entries, or an entry is not `vN=<64 hex>`.
    #[error(
        "X-Signature must be 1 to {MAX_SIGNATURE_ENTRIES} comma-separated entries of v2=<64 lowercase hex digits>"
    )]
    MalformedSignature,
    /// Only `v1` entries were sent and the legacy scheme is not accepted.
    #[error("signature scheme v1 is no longer accepted; sign with v2")]
    LegacySchemeRefused,
    /// No `X-Signature-Nonce` header on a `v2` request.
    #[error("missing X-Signature-Nonce header")]
    MissingNonce,
    /// The nonce breaks its rule.
    #[error(
        "X-Signature-Nonce must be {MIN_NONCE_CHARS} to {MAX_NONCE_CHARS} of A-Z a-z 0-9 - _ . :"
    )]
    MalformedNonce,
    /// No signature matches.
    #[error("signature does not match")]
    Mismatch,
}

/// A request whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedWebhook {
    /// The scheme of the entry that matched.
    pub scheme: SignatureScheme,
    /// The signed timestamp, unix seconds.
    pub timestamp: u64,
    /// What identifies this request for replay protection: `v2:<nonce>`, or `v1:<signature>`.
    pub replay_key: String,
    /// Until when (unix seconds) the replay key must be remembered: after that the timestamp
    /// check alone refuses the request.
    pub remember_until: u64,
}

/// The parts of a request a signature covers.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    /// The HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// The route's path without any stage prefix, e.g. `/webhooks/moderation`.
    pub path: &'a str,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The raw body.
    pub body: &'a [u8],
}

/// The shared webhook secret, kept only as a keyed HMAC. `Debug` never shows it.
#[derive(Clone)]
pub struct WebhookSecret {
    keyed: HmacSha256,
}

/// The exact bytes a `v2` signature covers.
pub fn v2_material(method: &str, path: &str, timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut material = Vec::with_capacity(
        3 + method.len() + path.len() + timestamp.len() + nonce.len() + body.len() + 5,
    );
    for part in ["v2", method, path, timestamp, nonce] {
        material.extend_from_slice(part.as_bytes());
        material.push(b'\n');
    }
    material.extend_from_slice(body);
    material
}

impl WebhookSecret {
    /// A secret of at least [`MIN_SECRET_BYTES`] bytes; `field` names the setting in the error.
    pub fn new(field: &str, secret: &[u8]) -> Result<Self, Violation> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(Violation::new(
                field,
                format!("must be at least {MIN_SECRET_BYTES} bytes long"),
            ));
        }
        let keyed = <HmacSha256 as Mac>::new_from_slice(secret)
            .map_err(|_| Violation::new(field, "is not a usable HMAC key"))?;
        Ok(Self { keyed })
    }

    fn tag(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The legacy `X-Signature` value for `body` sent at `timestamp`: `v1=<hex>`.
    pub fn sign_v1(&self, timestamp: u64, body: &[u8]) -> String {
        let tag = self.tag(&[timestamp.to_string().as_bytes(), b".", body]);
        format!("v1={}", hex::encode(tag))
    }

    /// The `X-Signature` value for a request: `v2=<hex>` over [`v2_material`].
    pub fn sign_v2(
        &self,
        method: &str,
        path: &str,
        timestamp: u64,
        nonce: &str,
        body: &[u8],
    ) -> String {
        let material = v2_material(method, path, &timestamp.to_string(), nonce, body);
        format!("v2={}", hex::encode(self.tag(&[&material])))
    }

    /// Checks a request's signature at time `now`: body size, timestamp within
    /// [`MAX_CLOCK_SKEW`], well-formed entries, nonce (for `v2`), and one matching entry.
    pub fn verify(
        &self,
        request: &WebhookRequest<'_>,
        now: SystemTime,
        legacy: LegacySignatures,
    ) -> Result<VerifiedWebhook, SignatureError> {
        if request.body.len() > MAX_WEBHOOK_BODY_BYTES {
            return Err(SignatureError::BodyTooLarge);
        }
        let timestamp_text = header_text(
            request.headers,
            TIMESTAMP_HEADER,
            SignatureError::MissingTimestamp,
            SignatureError::MalformedTimestamp,
        )?;
        let timestamp = parse_timestamp(timestamp_text)?;
        // Seconds since the epoch; a clock before 1970 reads as 0. `abs_diff` cannot overflow.
        let now_seconds = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        if now_seconds.abs_diff(timestamp) > MAX_CLOCK_SKEW.as_secs() {
            return Err(SignatureError::Stale);
        }
        let entries = parse_entries(header_text(
            request.headers,
            SIGNATURE_HEADER,
            SignatureError::MissingSignature,
            SignatureError::MalformedSignature,
        )?)?;
        let has = |scheme| entries.iter().any(|(s, _)| *s == scheme);
        let remember_until = timestamp.saturating_add(MAX_CLOCK_SKEW.as_secs() + 1);
        if has(SignatureScheme::V2) {
            let nonce = header_text(
                request.headers,
                NONCE_HEADER,
                SignatureError::MissingNonce,
                SignatureError::MalformedNonce,
            )?;
            check_nonce(nonce)?;
            let material = v2_material(
                request.method,
                request.path,
                timestamp_text,
                nonce,
                request.body,
            );
            let expected = self.tag(&[&material]);
            if matches_any(&entries, SignatureScheme::V2, &expected) {
                return Ok(VerifiedWebhook {
                    scheme: SignatureScheme::V2,
                    timestamp,
                    replay_key: format!("v2:{nonce}"),
                    remember_until,
                });
            }
        }
        if has(SignatureScheme::V1) {
            if legacy == LegacySignatures::Refuse {
                return Err(if has(SignatureScheme::V2) {
                    SignatureError::Mismatch
                } else {
                    SignatureError::LegacySchemeRefused
                });
            }
            let expected = self.tag(&[timestamp_text.as_bytes(), b".", request.body]);
            if matches_any(&entries, SignatureScheme::V1, &expected) {
                return Ok(VerifiedWebhook {
                    scheme: SignatureScheme::V1,
                    timestamp,
                    replay_key: format!("v1:{}", hex::encode(expected)),
                    remember_until,
                });
            }
        }
        Err(SignatureError::Mismatch)
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// The header's value: `missing` when absent, `malformed` when not visible ASCII.
fn header_text<'h>(
    headers: &'h HeaderMap,
    name: &str,
    missing: SignatureError,
    malformed: SignatureError,
) -> Result<&'h str, SignatureError> {
    headers
        .get(name)
        .ok_or(missing)?
        .to_str()
        .map_err(|_| malformed)
}

/// 1–10 ASCII digits (surrounding spaces allowed), nothing else: no sign, no exponent, so the
/// value always fits a `u64` with room to spare.
fn parse_timestamp(text: &str) -> Result<u64, SignatureError> {
    let digits = text.trim_matches(' ');
    if digits.is_empty()
        || digits.len() > MAX_TIMESTAMP_DIGITS
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(SignatureError::MalformedTimestamp);
    }
    digits
        .parse()
        .map_err(|_| SignatureError::MalformedTimestamp)
}

fn check_nonce(nonce: &str) -> Result<(), SignatureError> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':');
    if (MIN_NONCE_CHARS..=MAX_NONCE_CHARS).contains(&nonce.len()) && nonce.bytes().all(allowed) {
        Ok(())
    } else {
        Err(SignatureError::MalformedNonce)
    }
}

/// The entries of `X-Signature`: every one must be `v1=` or `v2=` and 64 lowercase hex digits.
fn parse_entries(header: &str) -> Result<Vec<(SignatureScheme, [u8; 32])>, SignatureError> {
    if header.len() > MAX_SIGNATURE_HEADER_BYTES {
        return Err(SignatureError::MalformedSignature);
    }
    let mut entries = Vec::new();
    for entry in header.split(',') {
        if entries.len() == MAX_SIGNATURE_ENTRIES {
            return Err(SignatureError::MalformedSignature);
        }
        let (scheme, hex_tag) = entry
            .trim_matches(' ')
            .split_once('=')
            .ok_or(SignatureError::MalformedSignature)?;
        let scheme = match scheme {
            "v1" => SignatureScheme::V1,
            "v2" => SignatureScheme::V2,
            _ => return Err(SignatureError::MalformedSignature),
        };
        if hex_tag.len() != TAG_HEX_LEN
            || !hex_tag
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(SignatureError::MalformedSignature);
        }
        let mut tag = [0u8; 32];
        hex::decode_to_slice(hex_tag, &mut tag).map_err(|_| SignatureError::MalformedSignature)?;
        entries.push((scheme, tag));
    }
    Ok(entries)
}

/// Compares every entry of `scheme` with `expected` in constant time, without stopping at the
/// first match, so timing tells nothing about which entry matched.
fn matches_any(
    entries: &[(SignatureScheme, [u8; 32])],
    scheme: SignatureScheme,
    expected: &[u8; 32],
) -> bool {
    let mut matched = subtle::Choice::from(0);
    for (s, tag) in entries {
        if *s == scheme {
            matched |= tag.ct_eq(expected);
        }
    }
    matched.into()
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    const SECRET: &[u8] = b"test-webhook-secret-0123456789abcdef";
    const NOW: u64 = 1_767_225_600;
    const NONCE: &str = "3f1c2a9e-0b7d-4c55-9a8e-1d2f3a4b5c6d";
    const PATH: &str = "/webhooks/moderation";

    fn secret() -> WebhookSecret {
        WebhookSecret::new("WEBHOOK_SECRET", SECRET).expect("long enough")
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).expect("ascii"));
        }
        headers
    }

    fn v2_headers(timestamp: &str, signature: &str) -> HeaderMap {
        headers(&[
            (TIMESTAMP_HEADER, timestamp),
            (NONCE_HEADER, NONCE),
            (SIGNATURE_HEADER, signature),
        ])
    }

    /// The latest instant the platform's clock can hold, give or take.
    fn far_future() -> SystemTime {
        UNIX_EPOCH
            .checked_add(Duration::from_secs(1 << 62))
            .expect("representable")
    }

    fn at(seconds: u64) -> SystemTime {
        FixedClock::at_unix_seconds(seconds).now()
    }

    fn verify(
        headers: &HeaderMap,
        body: &[u8],
        now: u64,
        legacy: LegacySignatures,
    ) -> Result<VerifiedWebhook, SignatureError> {
        let request = WebhookRequest {
            method: "POST",
            path: PATH,
            headers,
            body,
        };
        secret().verify(&request, at(now), legacy)
    }

    fn signed_v2(body: &[u8]) -> HeaderMap {
        v2_headers(
            &NOW.to_string(),
            &secret().sign_v2("POST", PATH, NOW, NONCE, body),
        )
    }

    #[test]
    fn v2_signature_matches_an_independent_hmac_sha256() {
        // GIVEN the HMAC of the documented material computed by the reference construction
        let mut mac = <HmacSha256 as Mac>::new_from_slice(SECRET).expect("key");
        mac.update(format!("v2\nPOST\n{PATH}\n{NOW}\n{NONCE}\n{{}}").as_bytes());
        let expected = format!("v2={}", hex::encode(mac.finalize().into_bytes()));
        // THEN our signer produces the same header value
        assert_eq!(secret().sign_v2("POST", PATH, NOW, NONCE, b"{}"), expected);
    }

    #[test]
    fn accepts_a_fresh_correct_v2_signature_and_names_its_nonce() {
        let verified = verify(
            &signed_v2(b"{\"a\":1}"),
            b"{\"a\":1}",
            NOW + 299,
            LegacySignatures::Refuse,
        )
        .expect("valid");
        assert_eq!(verified.scheme, SignatureScheme::V2);
        assert_eq!(verified.replay_key, format!("v2:{NONCE}"));
        assert_eq!(verified.remember_until, NOW + 301);
    }

    #[test]
    fn v2_binds_method_path_nonce_and_body() {
        let h = signed_v2(b"{}");
        let request = |method, path, body| WebhookRequest {
            method,
            path,
            headers: &h,
            body,
        };
        let s = secret();
        let check = |r: WebhookRequest<'_>| s.verify(&r, at(NOW), LegacySignatures::Refuse);
        assert!(check(request("POST", PATH, b"{}")).is_ok());
        assert_eq!(
            check(request("PUT", PATH, b"{}")),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check(request("POST", "/webhooks/other", b"{}")),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check(request("POST", PATH, b"{ }")),
            Err(SignatureError::Mismatch)
        );
        let mut other_nonce = h.clone();
        other_nonce.insert(
            NONCE_HEADER,
            HeaderValue::from_static("another-nonce-0123456789"),
        );
        let r = WebhookRequest {
            method: "POST",
            path: PATH,
            headers: &other_nonce,
            body: b"{}",
        };
        assert_eq!(
            s.verify(&r, at(NOW), LegacySignatures::Refuse),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn rejects_a_signature_made_with_another_secret() {
        let other = WebhookSecret::new("S", b"another-secret-another-secret-0123").expect("long");
        let h = v2_headers(
            &NOW.to_string(),
            &other.sign_v2("POST", PATH, NOW, NONCE, b"{}"),
        );
        assert_eq!(
            verify(&h, b"{}", NOW, LegacySignatures::Refuse),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn rejects_old_and_future_timestamps() {
        let h = signed_v2(b"{}");
        assert_eq!(
            verify(&h, b"{}", NOW + 301, LegacySignatures::Refuse),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(&h, b"{}", NOW - 301, LegacySignatures::Refuse),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn any_timestamp_value_is_a_clean_refusal_never_a_panic() {
        // GIVEN timestamps that once overflowed the clock arithmetic, and other junk
        let huge = u64::MAX.to_string();
        let many_digits = "9".repeat(5_000);
        for value in [
            huge.as_str(),
            "18446744073709551616",
            "99999999999",
            many_digits.as_str(),
            "-1",
            "+1767225600",
            "1e9",
            "",
            " ",
            "0x10",
            "１７６７２２５６００",
        ] {
            let h = v2_headers(value, &secret().sign_v2("POST", PATH, NOW, NONCE, b"{}"));
            // WHEN verified at any clock, even one before the epoch or at its far end
            for now in [UNIX_EPOCH, at(NOW), far_future()] {
                let request = WebhookRequest {
                    method: "POST",
                    path: PATH,
                    headers: &h,
                    body: b"{}",
                };
                let result = secret().verify(&request, now, LegacySignatures::Refuse);
                // THEN it is refused as malformed or stale
                assert!(
                    matches!(
                        result,
                        Err(SignatureError::MalformedTimestamp | SignatureError::Stale)
                    ),
                    "{value:?}: {result:?}"
                );
            }
        }
        // AND the far-future clock with a valid timestamp is simply stale
        let h = signed_v2(b"{}");
        let request = WebhookRequest {
            method: "POST",
            path: PATH,
            headers: &h,
            body: b"{}",
        };
        assert_eq!(
            secret().verify(&request, far_future(), LegacySignatures::Refuse),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn signature_header_accepts_only_a_few_well_formed_entries() {
        let good = secret().sign_v2("POST", PATH, NOW, NONCE, b"{}");
        let zero = format!("v2={}", "0".repeat(64));
        let ts = NOW.to_string();
        let check = |signature: &str| {
            verify(
                &v2_headers(&ts, signature),
                b"{}",
                NOW,
                LegacySignatures::Refuse,
            )
        };
        // one of several well-formed entries may match
        assert!(check(&format!("{zero}, {good}")).is_ok());
        assert!(check(&format!("{zero},{zero},{zero},{good}")).is_ok());
        // a fifth entry, an unknown scheme, upper-case or short hex, or junk is malformed
        for bad in [
            format!("{zero},{zero},{zero},{zero},{good}"),
            format!("sha256={}", "0".repeat(64)),
            good.to_uppercase().replacen("V2", "v2", 1),
            "v2=00".to_owned(),
            format!("{good},"),
            "v2".to_owned(),
            ",".repeat(100_000),
            format!("v2={}", "g".repeat(64)),
        ] {
            assert_eq!(
                check(&bad),
                Err(SignatureError::MalformedSignature),
                "{bad:.80}"
            );
        }
    }

    #[test]
    fn body_is_capped_before_hashing() {
        let body = vec![b' '; MAX_WEBHOOK_BODY_BYTES + 1];
        assert_eq!(
            verify(&signed_v2(&body), &body, NOW, LegacySignatures::Refuse),
            Err(SignatureError::BodyTooLarge)
        );
    }

    #[test]
    fn a_nonce_is_16_to_128_of_the_documented_characters() {
        // GIVEN nonces at and just past the documented bounds, and one using every allowed kind
        // THEN 16 and 128 characters pass, 15 and 129 do not, and a UUID-like mix passes
        assert_eq!(check_nonce(&"a".repeat(16)), Ok(()));
        assert_eq!(check_nonce(&"a".repeat(128)), Ok(()));
        assert_eq!(
            check_nonce(&"a".repeat(15)),
            Err(SignatureError::MalformedNonce)
        );
        assert_eq!(
            check_nonce(&"a".repeat(129)),
            Err(SignatureError::MalformedNonce)
        );
        assert_eq!(check_nonce("AZaz09-_.:AZaz09-_.:"), Ok(()));
        assert_eq!(
            check_nonce("0123456789abcdef/"),
            Err(SignatureError::MalformedNonce)
        );
    }

    #[test]
    fn nonce_is_required_and_checked_for_v2() {
        let ts = NOW.to_string();
        let signature = secret().sign_v2("POST", PATH, NOW, NONCE, b"{}");
        let without = headers(&[(TIMESTAMP_HEADER, &ts), (SIGNATURE_HEADER, &signature)]);
        assert_eq!(
            verify(&without, b"{}", NOW, LegacySignatures::Refuse),
            Err(SignatureError::MissingNonce)
        );
        let long = "n".repeat(MAX_NONCE_CHARS + 1);
        for bad in [
            "short",
            "has space in the nonce",
            "semi;colon-0123456789",
            &long,
        ] {
            let h = headers(&[
                (TIMESTAMP_HEADER, &ts),
                (NONCE_HEADER, bad),
                (SIGNATURE_HEADER, &signature),
            ]);
            assert_eq!(
                verify(&h, b"{}", NOW, LegacySignatures::Refuse),
                Err(SignatureError::MalformedNonce),
                "{bad}"
            );
        }
    }

    #[test]
    fn legacy_v1_is_refused_unless_accepted_and_then_keyed_by_its_signature() {
        // GIVEN a v1 request signed the old way
        let mut mac = <HmacSha256 as Mac>::new_from_slice(SECRET).expect("key");
        mac.update(b"1767225600.{}");
        let tag = hex::encode(mac.finalize().into_bytes());
        let v1 = secret().sign_v1(NOW, b"{}");
        assert_eq!(v1, format!("v1={tag}"));
        let h = headers(&[
            (TIMESTAMP_HEADER, &NOW.to_string()),
            (SIGNATURE_HEADER, &v1),
        ]);
        // THEN by default it is refused, saying why
        assert_eq!(
            verify(&h, b"{}", NOW, LegacySignatures::Refuse),
            Err(SignatureError::LegacySchemeRefused)
        );
        // AND with the legacy setting it is accepted, its replay key the signature itself
        let verified = verify(&h, b"{}", NOW, LegacySignatures::Accept).expect("accepted");
        assert_eq!(verified.scheme, SignatureScheme::V1);
        assert_eq!(verified.replay_key, format!("v1:{tag}"));
    }

    #[test]
    fn rejects_missing_headers() {
        assert_eq!(
            verify(&HeaderMap::new(), b"{}", NOW, LegacySignatures::Refuse),
            Err(SignatureError::MissingTimestamp)
        );
        let h = headers(&[(TIMESTAMP_HEADER, &NOW.to_string())]);
        assert_eq!(
            verify(&h, b"{}", NOW, LegacySignatures::Refuse),
            Err(SignatureError::MissingSignature)
        );
    }

    #[test]
    fn short_secrets_are_refused_and_debug_hides_the_secret() {
        assert!(WebhookSecret::new("WEBHOOK_SECRET", b"short").is_err());
        assert!(!format!("{:?}", secret()).contains("test-webhook"));
    }
}
