//! Signed webhooks: HMAC-SHA256 over the timestamp and the raw body, for machine callers that
//! have no JWT.
//!
//! The caller sends two headers:
//! - `X-Signature-Timestamp`: the current time in unix seconds;
//! - `X-Signature`: `v1=` followed by the lowercase hex HMAC-SHA256, keyed with the shared
//!   secret, of `TIMESTAMP + "." + BODY` (the body exactly as sent).
//!
//! Several signatures may be sent comma-separated (`v1=…,v1=…`, e.g. while a secret rotates);
//! one match is enough. A request whose timestamp is more than [`MAX_CLOCK_SKEW`] away from
//! "now" is refused, so a captured request cannot be replayed later. "Now" comes from a
//! [`Clock`], so tests can check a fixture signed at a fixed time.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use http::HeaderMap;
use ivschat_api::Violation;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header holding the unix-seconds timestamp.
pub const TIMESTAMP_HEADER: &str = "x-signature-timestamp";
/// The header holding `v1=<hex>` signature(s).
pub const SIGNATURE_HEADER: &str = "x-signature";
/// The only signature scheme, HMAC-SHA256 over `timestamp.body`.
pub const SIGNATURE_SCHEME: &str = "v1";
/// How far a timestamp may be from now, either way.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(300);
/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

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

/// Why a webhook signature was refused. Every variant becomes 401; the variant is for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Signature-Timestamp` header.
    #[error("missing X-Signature-Timestamp header")]
    MissingTimestamp,
    /// The timestamp is not unix seconds.
    #[error("X-Signature-Timestamp is not unix seconds")]
    MalformedTimestamp,
    /// No `X-Signature` header.
    #[error("missing X-Signature header")]
    MissingSignature,
    /// No `v1=<hex>` entry in `X-Signature`.
    #[error("X-Signature has no v1=<hex> signature")]
    MalformedSignature,
    /// The timestamp is too far in the past or the future.
    #[error("signature timestamp is more than {} seconds from now", MAX_CLOCK_SKEW.as_secs())]
    Stale,
    /// No signature matches.
    #[error("signature does not match")]
    Mismatch,
}

/// The shared webhook secret, kept only as a keyed HMAC. `Debug` never shows it.
#[derive(Clone)]
pub struct WebhookSecret {
    keyed: HmacSha256,
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

    fn mac(&self, timestamp: &str, body: &[u8]) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `X-Signature` value for `body` sent at `timestamp` (unix seconds): `v1=<hex>`.
    pub fn sign(&self, timestamp: u64, body: &[u8]) -> String {
        let tag = self
            .mac(&timestamp.to_string(), body)
            .finalize()
            .into_bytes();
        format!("{SIGNATURE_SCHEME}={}", hex::encode(tag))
    }

    /// Checks the signature headers of a request with `body` at time `now`: the timestamp is
    /// within [`MAX_CLOCK_SKEW`] of `now` and one `v1` signature matches (compared in constant
    /// time).
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), SignatureError> {
        let timestamp = header_text(headers, TIMESTAMP_HEADER)
            .ok_or(SignatureError::MissingTimestamp)?
            .trim();
        let seconds: u64 = timestamp
            .parse()
            .map_err(|_| SignatureError::MalformedTimestamp)?;
        let sent = UNIX_EPOCH + Duration::from_secs(seconds);
        let skew = match now.duration_since(sent) {
            Ok(age) => age,
            Err(ahead) => ahead.duration(),
        };
        if skew > MAX_CLOCK_SKEW {
            return Err(SignatureError::Stale);
        }
        let signatures =
            header_text(headers, SIGNATURE_HEADER).ok_or(SignatureError::MissingSignature)?;
        let candidates: Vec<Vec<u8>> = signatures
            .split(',')
            .filter_map(|entry| entry.trim().split_once('='))
            .filter(|(scheme, _)| *scheme == SIGNATURE_SCHEME)
            .filter_map(|(_, hex_tag)| hex::decode(hex_tag.trim()).ok())
            .collect();
        if candidates.is_empty() {
            return Err(SignatureError::MalformedSignature);
        }
        let matched = candidates
            .iter()
            .any(|tag| self.mac(timestamp, body).verify_slice(tag).is_ok());
        if matched {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    const SECRET: &[u8] = b"test-webhook-secret-0123456789abcdef";
    const NOW: u64 = 1_767_225_600;

    fn secret() -> WebhookSecret {
        WebhookSecret::new("WEBHOOK_SECRET", SECRET).expect("long enough")
    }

    fn headers(timestamp: &str, signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            TIMESTAMP_HEADER,
            HeaderValue::from_str(timestamp).expect("ascii"),
        );
        headers.insert(
            SIGNATURE_HEADER,
            HeaderValue::from_str(signature).expect("ascii"),
        );
        headers
    }

    fn at(seconds: u64) -> SystemTime {
        FixedClock::at_unix_seconds(seconds).now()
    }

    #[test]
    fn signature_matches_an_independent_hmac_sha256() {
        // GIVEN the HMAC of "1767225600.{}" computed by the reference construction
        let mut mac = <HmacSha256 as Mac>::new_from_slice(SECRET).expect("key");
        mac.update(b"1767225600.{}");
        let expected = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
        // THEN our signer produces the same header value
        assert_eq!(secret().sign(NOW, b"{}"), expected);
    }

    #[test]
    fn accepts_a_fresh_correct_signature() {
        let signature = secret().sign(NOW, b"{\"a\":1}");
        let result = secret().verify(
            &headers(&NOW.to_string(), &signature),
            b"{\"a\":1}",
            at(NOW + 299),
        );
        assert_eq!(result, Ok(()));
    }

    #[test]
    fn rejects_a_tampered_body() {
        let signature = secret().sign(NOW, b"{\"a\":1}");
        let result = secret().verify(
            &headers(&NOW.to_string(), &signature),
            b"{\"a\":2}",
            at(NOW),
        );
        assert_eq!(result, Err(SignatureError::Mismatch));
    }

    #[test]
    fn rejects_a_signature_made_with_another_secret() {
        let other = WebhookSecret::new("S", b"another-secret-another-secret-0123").expect("long");
        let signature = other.sign(NOW, b"{}");
        let result = secret().verify(&headers(&NOW.to_string(), &signature), b"{}", at(NOW));
        assert_eq!(result, Err(SignatureError::Mismatch));
    }

    #[test]
    fn rejects_old_and_future_timestamps() {
        let signature = secret().sign(NOW, b"{}");
        let h = headers(&NOW.to_string(), &signature);
        assert_eq!(
            secret().verify(&h, b"{}", at(NOW + 301)),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            secret().verify(&h, b"{}", at(NOW - 301)),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn accepts_any_one_of_several_signatures() {
        let good = secret().sign(NOW, b"{}");
        let both = format!("v1={},{good}", "00".repeat(32));
        assert_eq!(
            secret().verify(&headers(&NOW.to_string(), &both), b"{}", at(NOW)),
            Ok(())
        );
    }

    #[test]
    fn rejects_missing_or_malformed_headers() {
        let none = HeaderMap::new();
        assert_eq!(
            secret().verify(&none, b"{}", at(NOW)),
            Err(SignatureError::MissingTimestamp)
        );
        assert_eq!(
            secret().verify(&headers("yesterday", "v1=00"), b"{}", at(NOW)),
            Err(SignatureError::MalformedTimestamp)
        );
        assert_eq!(
            secret().verify(&headers(&NOW.to_string(), "sha256=00"), b"{}", at(NOW)),
            Err(SignatureError::MalformedSignature)
        );
    }

    #[test]
    fn short_secrets_are_refused_and_debug_hides_the_secret() {
        assert!(WebhookSecret::new("WEBHOOK_SECRET", b"short").is_err());
        assert!(!format!("{:?}", secret()).contains("test-webhook"));
    }
}
