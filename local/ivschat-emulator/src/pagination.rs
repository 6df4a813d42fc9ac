//! Opaque `nextToken`s: a signed keyset cursor into a list ordered by updateTime descending.
//!
//! The token names the last item returned, so pages stay correct while rooms are created or
//! deleted between calls. It is HMAC-signed with the emulator's key and bound to the list and
//! its filters, so a tampered token, one from another list or filter, or one from another
//! emulator is refused with a ValidationException.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::OffsetDateTime;

use crate::error::ApiError;

type HmacSha256 = Hmac<Sha256>;

/// A position in a list sorted by (updateTime descending, id ascending).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPosition {
    /// updateTime of the last item returned, in Unix nanoseconds.
    pub update_time_nanos: i128,
    /// Id of the last item returned.
    pub id: String,
}

impl ListPosition {
    /// The position of an item with this update time and id.
    pub fn of(update_time: OffsetDateTime, id: &str) -> Self {
        Self {
            update_time_nanos: update_time.unix_timestamp_nanos(),
            id: id.to_owned(),
        }
    }

    /// Whether an item with this update time and id sorts after this position.
    pub fn is_before(&self, update_time: OffsetDateTime, id: &str) -> bool {
        let nanos = update_time.unix_timestamp_nanos();
        nanos < self.update_time_nanos || (nanos == self.update_time_nanos && id > self.id.as_str())
    }
}

#[derive(Serialize, Deserialize)]
struct TokenPayload {
    /// Which list and filters the token belongs to.
    scope: String,
    position: ListPosition,
}

/// Mints and checks `nextToken`s with a per-emulator key.
#[derive(Clone)]
pub struct PageTokenCodec {
    key: Vec<u8>,
}

impl std::fmt::Debug for PageTokenCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageTokenCodec { key: <redacted> }")
    }
}

impl PageTokenCodec {
    /// A codec signing with `key`.
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    fn mac(&self, data: &[u8]) -> Vec<u8> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => return Vec::new(),
        };
        mac.update(b"ivschat-emulator pagination v1\n");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    /// A token for resuming `scope` after `position`.
    pub fn encode(&self, scope: &str, position: &ListPosition) -> String {
        let payload = TokenPayload {
            scope: scope.to_owned(),
            position: position.clone(),
        };
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let tag = self.mac(&json);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&json),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// The position a token resumes from, if it was minted by this codec for `scope`.
    ///
    /// Fails with a `nextToken` ValidationException for anything else.
    pub fn decode(&self, scope: &str, token: &str) -> Result<ListPosition, ApiError> {
        let invalid = || ApiError::invalid_field("nextToken", "is not a valid pagination token");
        let (payload_b64, tag_b64) = token.split_once('.').ok_or_else(invalid)?;
        let json = URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag_b64).map_err(|_| invalid())?;
        let expected = self.mac(&json);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_slice(),
            tag.as_slice(),
        )) {
            return Err(invalid());
        }
        let payload: TokenPayload = serde_json::from_slice(&json).map_err(|_| invalid())?;
        if payload.scope != scope {
            return Err(ApiError::invalid_field(
                "nextToken",
                "was issued for a different list or filter",
            ));
        }
        Ok(payload.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_position_within_its_scope() {
        // GIVEN a codec and a position
        let codec = PageTokenCodec::new(b"key");
        let position = ListPosition {
            update_time_nanos: 42,
            id: "abcDEF123456".into(),
        };
        // WHEN it is encoded and decoded for the same scope
        let token = codec.encode("rooms", &position);
        // THEN the position comes back
        assert_eq!(codec.decode("rooms", &token), Ok(position));
    }

    #[test]
    fn refuses_tampered_foreign_and_rescoped_tokens() {
        // GIVEN a valid token
        let codec = PageTokenCodec::new(b"key");
        let position = ListPosition {
            update_time_nanos: 42,
            id: "abcDEF123456".into(),
        };
        let token = codec.encode("rooms", &position);
        // WHEN it is altered, checked by another key, or used for another scope
        let tampered = format!("x{token}");
        let foreign = PageTokenCodec::new(b"other").decode("rooms", &token);
        // THEN each is a ValidationException
        assert!(codec.decode("rooms", &tampered).is_err());
        assert!(foreign.is_err());
        assert!(codec.decode("logging", &token).is_err());
    }
}
