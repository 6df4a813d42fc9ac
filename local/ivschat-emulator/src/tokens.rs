//! Chat tokens the emulator issues (CreateChatToken) and can verify later.
//!
//! A token is `ivschat-emulator.v1.<payload>.<tag>`: the payload is base64url JSON binding the
//! room ARN, userId, capabilities, attributes and both expiry times; the tag is an
//! HMAC-SHA256 over the payload with the emulator's key. Real tokens are encrypted and opaque;
//! these are only signed, which is all a local stand-in needs.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};

use crate::arn::new_id;
use crate::model::Capability;

type HmacSha256 = Hmac<Sha256>;

const TOKEN_PREFIX: &str = "ivschat-emulator.v1.";

/// How long a token can be used to connect, at most. The service does not document the real
/// lifetime; an hour, capped by the session's end, keeps a token never outliving its session.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::hours(1);

/// What a token grants, as read back by [`crate::RunningEmulator::verify_chat_token`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The room the token admits to.
    pub room_arn: String,
    /// The user it was issued for.
    pub user_id: String,
    /// Granted capabilities (receiving is implicit).
    pub capabilities: Vec<Capability>,
    /// Attributes attached to every message the user sends.
    pub attributes: BTreeMap<String, String>,
    /// Unique id of this token, so a connection layer can accept each token once.
    pub token_id: String,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
    /// After this the token can no longer be used to connect.
    pub token_expiration_time: OffsetDateTime,
    /// After this a session opened with the token ends.
    pub session_expiration_time: OffsetDateTime,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token of this emulator's format.
    #[error("chat token is malformed")]
    Malformed,
    /// The signature does not match (tampered, or issued by another emulator).
    #[error("chat token signature is invalid")]
    BadSignature,
    /// Past its token expiration time.
    #[error("chat token expired at {expired_at}")]
    Expired {
        /// When it expired.
        expired_at: OffsetDateTime,
    },
}

/// What CreateChatToken asks for.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    /// Room ARN.
    pub room_arn: String,
    /// User id.
    pub user_id: String,
    /// Capabilities, without duplicates.
    pub capabilities: Vec<Capability>,
    /// Attributes.
    pub attributes: BTreeMap<String, String>,
    /// Session length in minutes (1–180).
    pub session_duration_minutes: i64,
}

/// A freshly issued token and its two expiry times.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The token string.
    pub token: String,
    /// CreateChatToken's tokenExpirationTime.
    pub token_expiration_time: OffsetDateTime,
    /// CreateChatToken's sessionExpirationTime.
    pub session_expiration_time: OffsetDateTime,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Claims {
    room_arn: String,
    user_id: String,
    capabilities: Vec<Capability>,
    attributes: BTreeMap<String, String>,
    token_id: String,
    issued_at_nanos: i128,
    token_expires_at_nanos: i128,
    session_expires_at_nanos: i128,
}

fn from_nanos(nanos: i128) -> Result<OffsetDateTime, TokenError> {
    OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| TokenError::Malformed)
}

/// Issues and verifies chat tokens with one key.
#[derive(Clone)]
pub struct ChatTokenSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for ChatTokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChatTokenSigner { key: <redacted> }")
    }
}

impl ChatTokenSigner {
    /// A signer using `key`.
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    fn tag(&self, payload: &[u8]) -> Vec<u8> {
        match HmacSha256::new_from_slice(&self.key) {
            Ok(mut mac) => {
                mac.update(b"ivschat-emulator chat token v1\n");
                mac.update(payload);
                mac.finalize().into_bytes().to_vec()
            }
            // HMAC takes keys of any length; an empty tag would simply never verify.
            Err(_) => Vec::new(),
        }
    }

    /// Issues a token for `grant` at `now`.
    pub fn issue(&self, grant: TokenGrant, now: OffsetDateTime) -> IssuedToken {
        let session_expiration_time = now + Duration::minutes(grant.session_duration_minutes);
        let token_expiration_time = (now + MAX_TOKEN_LIFETIME).min(session_expiration_time);
        let claims = Claims {
            room_arn: grant.room_arn,
            user_id: grant.user_id,
            capabilities: grant.capabilities,
            attributes: grant.attributes,
            token_id: new_id(),
            issued_at_nanos: now.unix_timestamp_nanos(),
            token_expires_at_nanos: token_expiration_time.unix_timestamp_nanos(),
            session_expires_at_nanos: session_expiration_time.unix_timestamp_nanos(),
        };
        let payload = serde_json::to_vec(&claims).unwrap_or_default();
        let token = format!(
            "{TOKEN_PREFIX}{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(self.tag(&payload))
        );
        IssuedToken {
            token,
            token_expiration_time,
            session_expiration_time,
        }
    }

    /// Checks a token's format, signature and expiry at `now`.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<VerifiedToken, TokenError> {
        let body = token
            .strip_prefix(TOKEN_PREFIX)
            .ok_or(TokenError::Malformed)?;
        let (payload_b64, tag_b64) = body.split_once('.').ok_or(TokenError::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload_b64)
            .map_err(|_| TokenError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag_b64)
            .map_err(|_| TokenError::Malformed)?;
        let expected = self.tag(&payload);
        if expected.is_empty()
            || !bool::from(subtle::ConstantTimeEq::ct_eq(
                expected.as_slice(),
                tag.as_slice(),
            ))
        {
            return Err(TokenError::BadSignature);
        }
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        let token_expiration_time = from_nanos(claims.token_expires_at_nanos)?;
        if now >= token_expiration_time {
            return Err(TokenError::Expired {
                expired_at: token_expiration_time,
            });
        }
        Ok(VerifiedToken {
            room_arn: claims.room_arn,
            user_id: claims.user_id,
            capabilities: claims.capabilities,
            attributes: claims.attributes,
            token_id: claims.token_id,
            issued_at: from_nanos(claims.issued_at_nanos)?,
            token_expiration_time,
            session_expiration_time: from_nanos(claims.session_expires_at_nanos)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(minutes: i64) -> TokenGrant {
        TokenGrant {
            room_arn: "arn:aws:ivschat:us-east-1:123456789012:room/abcDEF123456".into(),
            user_id: "alice".into(),
            capabilities: vec![Capability::SendMessage],
            attributes: BTreeMap::from([("role".into(), "mod".into())]),
            session_duration_minutes: minutes,
        }
    }

    #[test]
    fn verifies_its_own_token_and_reads_back_the_grant() {
        // GIVEN a token issued for a 30-minute session
        let signer = ChatTokenSigner::new(b"k");
        let now = OffsetDateTime::now_utc();
        let issued = signer.issue(grant(30), now);
        // WHEN it is verified a minute later
        let verified = signer.verify(&issued.token, now + Duration::minutes(1));
        // THEN the grant comes back, with the token expiring with the session
        let verified = verified.expect("token should verify");
        assert_eq!(verified.user_id, "alice");
        assert_eq!(verified.capabilities, vec![Capability::SendMessage]);
        assert_eq!(verified.attributes["role"], "mod");
        assert_eq!(
            verified.session_expiration_time,
            now + Duration::minutes(30)
        );
        assert_eq!(verified.token_expiration_time, now + Duration::minutes(30));
    }

    #[test]
    fn caps_token_lifetime_at_an_hour_for_long_sessions() {
        // GIVEN a 180-minute session
        let signer = ChatTokenSigner::new(b"k");
        let now = OffsetDateTime::now_utc();
        // WHEN a token is issued
        let issued = signer.issue(grant(180), now);
        // THEN the token expires after an hour and the session after three
        assert_eq!(issued.token_expiration_time, now + Duration::hours(1));
        assert_eq!(issued.session_expiration_time, now + Duration::hours(3));
    }

    #[test]
    fn refuses_expired_tampered_and_foreign_tokens() {
        // GIVEN a token from one signer
        let signer = ChatTokenSigner::new(b"k");
        let now = OffsetDateTime::now_utc();
        let issued = signer.issue(grant(10), now);
        // WHEN it is checked late, altered, or by another key
        let late = signer.verify(&issued.token, now + Duration::minutes(11));
        let mut tampered = issued.token.clone();
        tampered.insert(TOKEN_PREFIX.len() + 3, 'x');
        let foreign = ChatTokenSigner::new(b"other").verify(&issued.token, now);
        // THEN each is refused for the matching reason
        assert!(matches!(late, Err(TokenError::Expired { .. })));
        assert!(signer.verify(&tampered, now).is_err());
        assert_eq!(foreign, Err(TokenError::BadSignature));
        assert_eq!(signer.verify("nonsense", now), Err(TokenError::Malformed));
    }
}
