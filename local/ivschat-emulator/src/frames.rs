//! The Messaging (WebSocket) API's JSON: the publish actions clients send and the MESSAGE,
//! EVENT and ERROR frames they receive (docs/ivs-chat.md §4.3–§4.4). Keys are PascalCase.

use std::collections::BTreeMap;

use ivschat_api::validate;
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::wire;

/// The system event that asks clients to stop showing a message.
pub const DELETE_MESSAGE_EVENT: &str = "aws:DELETE_MESSAGE";
/// The system event announcing that a user was disconnected.
pub const DISCONNECT_USER_EVENT: &str = "aws:DISCONNECT_USER";

/// The WebSocket error codes (docs/ivs-chat.md §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 400: the request is malformed or invalid.
    BadRequest,
    /// 401: the connection expired.
    Unauthorized,
    /// 403: the token lacks the action's capability.
    Forbidden,
    /// 404: the room no longer exists.
    NotFound,
    /// 406: the review handler (or its fallback) denied the message.
    NotAcceptable,
    /// 413: a field is too large.
    PayloadTooLarge,
    /// 429: the room's message rate was exceeded.
    TooManyRequests,
}

impl ErrorCode {
    /// The numeric code on the wire.
    pub fn code(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::NotAcceptable => 406,
            Self::PayloadTooLarge => 413,
            Self::TooManyRequests => 429,
        }
    }
}

/// A publish request that cannot be carried out, as the ERROR frame will report it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RequestError {
    /// The WebSocket error code.
    pub code: ErrorCode,
    /// What is wrong, naming the field and the rule where there is one.
    pub message: String,
}

impl RequestError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }
}

/// A parsed publish action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// SEND_MESSAGE.
    SendMessage {
        /// The text.
        content: String,
        /// Client attributes.
        attributes: BTreeMap<String, String>,
    },
    /// DELETE_MESSAGE.
    DeleteMessage {
        /// The message's Id.
        id: String,
        /// Why.
        reason: Option<String>,
    },
    /// DISCONNECT_USER.
    DisconnectUser {
        /// Who.
        user_id: String,
        /// Why.
        reason: Option<String>,
    },
}

/// A publish frame: the action and the client's optional RequestId.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    /// What to do.
    pub action: Action,
    /// Echoed in the frames this request causes.
    pub request_id: Option<String>,
}

/// Reads a publish frame's JSON object (400 when it is not one).
pub fn read_object(text: &str) -> Result<Map<String, Value>, RequestError> {
    match serde_json::from_str(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(RequestError::bad("request must be a JSON object")),
        Err(error) => Err(RequestError::bad(format!(
            "request is not valid JSON: {error}"
        ))),
    }
}

/// The frame's RequestId, if it is a string, so even an ERROR about the rest can carry it.
pub fn request_id_of(object: &Map<String, Value>) -> Option<String> {
    object.get("RequestId")?.as_str().map(str::to_owned)
}

/// The frame's Action, if it is a string.
pub fn action_of(object: &Map<String, Value>) -> Option<&str> {
    object.get("Action")?.as_str()
}

fn optional_string(
    object: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, RequestError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(RequestError::bad(format!("{field}: must be a string"))),
    }
}

fn required_string(object: &Map<String, Value>, field: &str) -> Result<String, RequestError> {
    optional_string(object, field)?
        .ok_or_else(|| RequestError::bad(format!("{field}: is required")))
}

fn violation(code: ErrorCode, result: Result<(), validate::Violation>) -> Result<(), RequestError> {
    result.map_err(|violation| RequestError::new(code, violation.to_string()))
}

fn optional_reason(object: &Map<String, Value>) -> Result<Option<String>, RequestError> {
    let reason = optional_string(object, "Reason")?;
    if let Some(reason) = &reason {
        violation(ErrorCode::BadRequest, validate::reason("Reason", reason))?;
    }
    Ok(reason)
}

/// Parses one publish frame's object (see [`read_object`]). Errors name the field and the rule: 400 for a malformed frame or
/// field, 413 for attributes over 1 KB. Room-dependent checks (length, rate) come later.
pub fn parse_publish(object: &Map<String, Value>) -> Result<Publish, RequestError> {
    let request_id = optional_string(object, "RequestId")?;
    let action_name = required_string(object, "Action")?;
    let action = match action_name.as_str() {
        "SEND_MESSAGE" => {
            let content = required_string(object, "Content")?;
            if content.is_empty() {
                return Err(RequestError::bad("Content: must not be empty"));
            }
            let attributes = match object.get("Attributes") {
                None | Some(Value::Null) => BTreeMap::new(),
                Some(Value::Object(map)) => {
                    let mut attributes = BTreeMap::new();
                    for (key, value) in map {
                        let Value::String(text) = value else {
                            return Err(RequestError::bad(format!(
                                "Attributes.{key}: must be a string"
                            )));
                        };
                        attributes.insert(key.clone(), text.clone());
                    }
                    attributes
                }
                Some(_) => {
                    return Err(RequestError::bad(
                        "Attributes: must be an object of string values",
                    ));
                }
            };
            violation(
                ErrorCode::PayloadTooLarge,
                validate::attributes("Attributes", &attributes),
            )?;
            Action::SendMessage {
                content,
                attributes,
            }
        }
        "DELETE_MESSAGE" => {
            let id = required_string(object, "Id")?;
            violation(ErrorCode::BadRequest, validate::message_id("Id", &id))?;
            Action::DeleteMessage {
                id,
                reason: optional_reason(object)?,
            }
        }
        "DISCONNECT_USER" => {
            let user_id = required_string(object, "UserId")?;
            violation(ErrorCode::BadRequest, validate::user_id("UserId", &user_id))?;
            Action::DisconnectUser {
                user_id,
                reason: optional_reason(object)?,
            }
        }
        other => {
            return Err(RequestError::bad(format!(
                "Action: `{other}` is not one of SEND_MESSAGE, DELETE_MESSAGE, DISCONNECT_USER"
            )));
        }
    };
    Ok(Publish { action, request_id })
}

/// `Sender` of a MESSAGE frame.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SenderFrame<'a> {
    /// The token's userId.
    pub user_id: &'a str,
    /// The token's attributes.
    pub attributes: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct MessageFrame<'a> {
    #[serde(rename = "Type")]
    kind: &'static str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    attributes: &'a BTreeMap<String, String>,
    content: &'a str,
    sender: SenderFrame<'a>,
    send_time: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct EventFrame<'a> {
    #[serde(rename = "Type")]
    kind: &'static str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    event_name: &'a str,
    attributes: &'a BTreeMap<String, String>,
    send_time: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorFrame<'a> {
    #[serde(rename = "Type")]
    kind: &'static str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    error_code: u16,
    error_message: &'a str,
}

fn to_text(frame: &impl Serialize) -> String {
    // Serializing these plain structs of strings and maps cannot fail.
    serde_json::to_string(frame).unwrap_or_default()
}

/// A MESSAGE frame.
pub fn message(
    id: &str,
    request_id: Option<&str>,
    content: &str,
    attributes: &BTreeMap<String, String>,
    sender: SenderFrame<'_>,
    send_time: OffsetDateTime,
) -> String {
    to_text(&MessageFrame {
        kind: "MESSAGE",
        id,
        request_id,
        attributes,
        content,
        sender,
        send_time: wire::timestamp(send_time),
    })
}

/// An EVENT frame.
pub fn event(
    id: &str,
    request_id: Option<&str>,
    event_name: &str,
    attributes: &BTreeMap<String, String>,
    send_time: OffsetDateTime,
) -> String {
    to_text(&EventFrame {
        kind: "EVENT",
        id,
        request_id,
        event_name,
        attributes,
        send_time: wire::timestamp(send_time),
    })
}

/// An ERROR frame.
pub fn error(id: &str, request_id: Option<&str>, error: &RequestError) -> String {
    to_text(&ErrorFrame {
        kind: "ERROR",
        id,
        request_id,
        error_code: error.code.code(),
        error_message: &error.message,
    })
}

/// The attributes of an `aws:DELETE_MESSAGE` event: the message id under both spellings the
/// clients read (`MessageID` is the deprecated one AWS's JS client still parses) and the reason.
pub fn delete_message_attributes(
    message_id: &str,
    reason: Option<&str>,
) -> BTreeMap<String, String> {
    let mut attributes = BTreeMap::from([
        ("MessageId".to_owned(), message_id.to_owned()),
        ("MessageID".to_owned(), message_id.to_owned()),
    ]);
    if let Some(reason) = reason {
        attributes.insert("Reason".to_owned(), reason.to_owned());
    }
    attributes
}

/// The attributes of an `aws:DISCONNECT_USER` event.
pub fn disconnect_user_attributes(user_id: &str, reason: Option<&str>) -> BTreeMap<String, String> {
    let mut attributes = BTreeMap::from([("UserId".to_owned(), user_id.to_owned())]);
    if let Some(reason) = reason {
        attributes.insert("Reason".to_owned(), reason.to_owned());
    }
    attributes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Publish, RequestError> {
        parse_publish(&read_object(text)?)
    }

    #[test]
    fn parses_each_action_with_its_real_field_names() {
        // GIVEN one frame of each action WHEN parsed THEN the fields land in the action
        let send = parse(
            r#"{"Action":"SEND_MESSAGE","RequestId":"r1","Content":"hi","Attributes":{"k":"v"}}"#,
        );
        assert_eq!(
            send,
            Ok(Publish {
                action: Action::SendMessage {
                    content: "hi".into(),
                    attributes: BTreeMap::from([("k".into(), "v".into())]),
                },
                request_id: Some("r1".into()),
            })
        );
        let delete = parse(r#"{"Action":"DELETE_MESSAGE","Id":"abcDEF123456","Reason":"spam"}"#);
        assert!(matches!(
            delete,
            Ok(Publish {
                action: Action::DeleteMessage { .. },
                ..
            })
        ));
        let disconnect = parse(r#"{"Action":"DISCONNECT_USER","UserId":"bob"}"#);
        assert!(matches!(
            disconnect,
            Ok(Publish {
                action: Action::DisconnectUser { .. },
                ..
            })
        ));
    }

    #[test]
    fn names_the_field_and_rule_of_a_bad_request() {
        // GIVEN malformed frames WHEN parsed THEN each error names the field with code 400
        let message = |text: &str| match parse(text) {
            Err(error) => (error.code, error.message),
            Ok(publish) => panic!("expected an error, got {publish:?}"),
        };
        assert_eq!(message("nope").0, ErrorCode::BadRequest);
        assert_eq!(
            message(r#"{"Action":"SEND_MESSAGE"}"#),
            (ErrorCode::BadRequest, "Content: is required".into())
        );
        assert!(message(r#"{"Action":"SHOUT"}"#).1.starts_with("Action:"));
        assert!(
            message(r#"{"Action":"SEND_MESSAGE","Content":"x","Attributes":{"a":1}}"#)
                .1
                .starts_with("Attributes.a")
        );
        assert!(
            message(r#"{"Action":"DELETE_MESSAGE","Id":"short"}"#)
                .1
                .starts_with("Id:")
        );
        assert!(
            message(r#"{"Action":"DISCONNECT_USER","UserId":"u","Reason":""}"#)
                .1
                .starts_with("Reason:")
        );
    }

    #[test]
    fn oversized_attributes_are_payload_too_large() {
        // GIVEN a message whose attributes exceed 1 KB WHEN parsed THEN it is a 413
        let big = "x".repeat(1100);
        let text =
            format!(r#"{{"Action":"SEND_MESSAGE","Content":"x","Attributes":{{"a":"{big}"}}}}"#);
        assert_eq!(
            parse(&text).map_err(|e| e.code),
            Err(ErrorCode::PayloadTooLarge)
        );
    }
}
