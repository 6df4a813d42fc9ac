//! Wire types of the IVS Chat message review handler (docs/ivs-chat.md §1.2–§1.3).
//!
//! IVS Chat invokes the room's review Lambda with a [`ReviewRequest`] for every `SendMessage` and
//! expects a [`ReviewResponse`] back within 200 ms. Keys on the wire are PascalCase, unlike the
//! control-plane API. Attribute maps may be absent or `null` on input; both read as empty.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// Longest message IVS Chat accepts, in Unicode code points.
pub const MAX_MESSAGE_CODE_POINTS: usize = 500;

/// Most bytes (keys plus values) we return in response attributes, mirroring the 1 KB limit that
/// IVS applies to token and event attributes.
pub const MAX_RESPONSE_ATTRIBUTE_BYTES: usize = 1024;

/// The event IVS Chat sends to the review handler for each message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReviewRequest {
    /// The message text as the sender wrote it.
    pub content: String,
    /// IVS's id for the message (12 characters in practice).
    pub message_id: String,
    /// ARN of the room the message was sent to.
    pub room_arn: String,
    /// Attributes the client attached to the message (client-controlled, untrusted).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub attributes: BTreeMap<String, String>,
    /// Who sent it.
    pub sender: ReviewSender,
}

/// The sender of a reviewed message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReviewSender {
    /// The userId bound into the sender's chat token.
    pub user_id: String,
    /// The sender's IP address as IVS saw it.
    #[serde(default)]
    pub ip: String,
    /// Attributes bound into the sender's chat token at CreateChatToken time (trusted: only our
    /// token API sets them).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub attributes: BTreeMap<String, String>,
}

/// Whether IVS Chat delivers the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ReviewResult {
    /// Deliver the (possibly rewritten) message to everyone in the room.
    Allow,
    /// Deliver it to no one; the sender gets WebSocket error 406 with `Attributes.Reason`.
    Deny,
}

impl ReviewResult {
    /// The wire spelling, `ALLOW` or `DENY`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewResult::Allow => "ALLOW",
            ReviewResult::Deny => "DENY",
        }
    }
}

/// What the review handler returns to IVS Chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReviewResponse {
    /// `ALLOW` or `DENY`.
    pub review_result: ReviewResult,
    /// The content to deliver: the original or a rewritten (masked) form. Never empty.
    pub content: String,
    /// Attributes delivered with the message; on DENY, `Reason` is shown to the sender.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

impl ReviewResponse {
    /// Checks the reply against the limits IVS applies (see the module docs): content non-empty
    /// and at most [`MAX_MESSAGE_CODE_POINTS`] code points, attributes at most
    /// [`MAX_RESPONSE_ATTRIBUTE_BYTES`] bytes in total.
    pub fn check_limits(&self) -> Result<(), crate::validate::Violation> {
        use crate::validate::Violation;
        if self.content.is_empty() {
            return Err(Violation::new("Content", "must not be empty"));
        }
        if self.content.chars().count() > MAX_MESSAGE_CODE_POINTS {
            return Err(Violation::new("Content", "must be at most 500 code points"));
        }
        let attribute_bytes: usize = self.attributes.iter().map(|(k, v)| k.len() + v.len()).sum();
        if attribute_bytes > MAX_RESPONSE_ATTRIBUTE_BYTES {
            return Err(Violation::new(
                "Attributes",
                "must total at most 1024 bytes",
            ));
        }
        Ok(())
    }
}

fn null_as_empty<'de, D>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<BTreeMap<String, String>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_payload_with_pascal_case_keys() {
        let json = r#"{"Content":"hi","MessageId":"ABCDEFGHIJKL","RoomArn":"arn:aws:ivschat:us-east-1:123456789012:room/abcdEFGH1234",
            "Attributes":{"k":"v"},"Sender":{"UserId":"u1","Ip":"1.2.3.4","Attributes":{"role":"viewer"}}}"#;
        let request: ReviewRequest = serde_json::from_str(json).expect("valid payload");
        assert_eq!(request.content, "hi");
        assert_eq!(request.sender.user_id, "u1");
        assert_eq!(request.sender.attributes["role"], "viewer");
        assert_eq!(request.attributes["k"], "v");
    }

    #[test]
    fn treats_missing_and_null_attribute_maps_as_empty() {
        let json = r#"{"Content":"hi","MessageId":"m","RoomArn":"r","Attributes":null,"Sender":{"UserId":"u"}}"#;
        let request: ReviewRequest = serde_json::from_str(json).expect("valid payload");
        assert!(request.attributes.is_empty());
        assert!(request.sender.attributes.is_empty());
        assert_eq!(request.sender.ip, "");
    }

    #[test]
    fn rejects_a_payload_without_content() {
        let json = r#"{"MessageId":"m","RoomArn":"r","Sender":{"UserId":"u"}}"#;
        assert!(serde_json::from_str::<ReviewRequest>(json).is_err());
    }

    #[test]
    fn writes_review_result_as_upper_case_and_omits_empty_attributes() {
        let response = ReviewResponse {
            review_result: ReviewResult::Allow,
            content: "hi".into(),
            attributes: BTreeMap::new(),
        };
        assert_eq!(
            serde_json::to_string(&response).expect("serializes"),
            r#"{"ReviewResult":"ALLOW","Content":"hi"}"#
        );
    }

    #[test]
    fn limit_check_accepts_500_code_points_and_rejects_501() {
        let mut response = ReviewResponse {
            review_result: ReviewResult::Allow,
            content: "é".repeat(500),
            attributes: BTreeMap::new(),
        };
        assert!(response.check_limits().is_ok());
        response.content.push('é');
        assert_eq!(response.check_limits().unwrap_err().field, "Content");
        response.content = String::new();
        assert_eq!(
            response.check_limits().unwrap_err().rule,
            "must not be empty"
        );
    }

    #[test]
    fn limit_check_caps_attributes_at_1024_bytes() {
        let mut response = ReviewResponse {
            review_result: ReviewResult::Deny,
            content: "x".into(),
            attributes: BTreeMap::from([("Reason".to_string(), "r".repeat(1018))]),
        };
        assert!(response.check_limits().is_ok());
        response
            .attributes
            .insert("Reason".into(), "r".repeat(1019));
        assert_eq!(response.check_limits().unwrap_err().field, "Attributes");
    }
}
