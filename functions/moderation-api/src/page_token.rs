//! The `nextToken` of a ban list: the user id to continue after, base64url without padding.
//! Opaque to callers; a token this API did not give is refused naming `nextToken`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ivschat_api::{Violation, validate};

/// The user id `token` continues after, or a violation naming `nextToken`.
pub fn decode(token: &str) -> Result<String, Violation> {
    let invalid = || Violation::new("nextToken", "must be a nextToken this API returned");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let user = String::from_utf8(bytes).map_err(|_| invalid())?;
    validate::user_id("nextToken", &user).map_err(|_| invalid())?;
    Ok(user)
}

/// The token of the page after `user_id`.
pub fn encode(user_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(user_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_forged_ones_are_refused() {
        assert_eq!(decode(&encode("a#b/ü")), Ok("a#b/ü".to_owned()));
        assert_eq!(decode("%%%").expect_err("forged").field, "nextToken");
        assert_eq!(decode(&encode("")).expect_err("empty").field, "nextToken");
    }
}
