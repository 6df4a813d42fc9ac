//! Presigned requests: a SigV4 query-string signature over one IVS Chat call, so that whoever
//! holds the URL can make exactly that call until it expires, without credentials of their own
//! (as boto3's `generate_presigned_url` does).
//!
//! IVS Chat speaks restJson1: fourteen operations are `POST /{Operation}` with a JSON body, and
//! the three tag operations carry the resource ARN in the path (`/tags/{resourceArn}`,
//! TagResource as POST with a body, UntagResource as DELETE with `tagKeys` in the query,
//! ListTagsForResource as GET). The signature covers the method, the path, the query, the
//! `host` header and the SHA-256 of the body, so the URL is good only with the exact body this
//! module returns: changing what is asked breaks the signature.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::error::IvsChatError;
use crate::ids::ResourceArn;
use crate::validate::Violation;

/// The longest a presigned request may stay valid: 7 days, the SigV4 limit.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(604_800);

/// Every IVS Chat control-plane operation, by the name the API reference gives it.
pub const OPERATIONS: [&str; 17] = [
    "CreateChatToken",
    "CreateLoggingConfiguration",
    "CreateRoom",
    "DeleteLoggingConfiguration",
    "DeleteMessage",
    "DeleteRoom",
    "DisconnectUser",
    "GetLoggingConfiguration",
    "GetRoom",
    "ListLoggingConfigurations",
    "ListRooms",
    "ListTagsForResource",
    "SendEvent",
    "TagResource",
    "UntagResource",
    "UpdateLoggingConfiguration",
    "UpdateRoom",
];

/// Characters left as they are in a path segment or query value: RFC 3986 unreserved.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A presigned IVS Chat call: send `body` with `method` to `url` (with `headers`) before
/// `expires_at`. The URL is a bearer credential for that one call: treat it as a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct PresignedRequest {
    /// `POST`, `GET` or `DELETE`.
    pub method: &'static str,
    /// The URL with the `X-Amz-*` signature parameters.
    pub url: String,
    /// Headers to send (the content type, when there is a body); none of them is signed.
    pub headers: Vec<(String, String)>,
    /// The JSON body to send (empty for GET and DELETE).
    pub body: String,
    /// When the signature stops being accepted.
    pub expires_at: SystemTime,
}

impl std::fmt::Debug for PresignedRequest {
    /// Shows the method and the URL without its query: the signature is a credential.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let without_query = self.url.split('?').next().unwrap_or_default();
        f.debug_struct("PresignedRequest")
            .field("method", &self.method)
            .field("url", &format_args!("{without_query}?…"))
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What to sign: the HTTP binding of `operation` with `input` (the operation's request members,
/// named as on the wire, e.g. `{"roomIdentifier": "arn:…", "userId": "u1"}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpCall {
    pub(crate) method: &'static str,
    /// Path and query, percent-encoded.
    pub(crate) path_and_query: String,
    /// The JSON body, or empty.
    pub(crate) body: String,
}

/// The HTTP binding of `operation` with `input`, checked: a known operation, an object input,
/// and for the tag operations a valid `resourceArn` (and `tagKeys` for UntagResource).
pub(crate) fn http_call(operation: &str, input: &Value) -> Result<HttpCall, Violation> {
    if !OPERATIONS.contains(&operation) {
        return Err(Violation::new(
            "operation",
            format!("must be an IVS Chat operation ({})", OPERATIONS.join(", ")),
        ));
    }
    let Value::Object(members) = input else {
        return Err(Violation::new(
            "input",
            "must be a JSON object of the operation's request members",
        ));
    };
    let mut members = members.clone();
    let mut take_resource = || -> Result<ResourceArn, Violation> {
        match members.remove("resourceArn") {
            Some(Value::String(arn)) => ResourceArn::parse("resourceArn", &arn),
            _ => Err(Violation::new(
                "resourceArn",
                "must be the ARN of a room or logging configuration",
            )),
        }
    };
    let tags_path =
        |arn: &ResourceArn| format!("/tags/{}", utf8_percent_encode(arn.as_str(), UNRESERVED));
    let json = |members: Map<String, Value>| Value::Object(members).to_string();
    Ok(match operation {
        "ListTagsForResource" => {
            let arn = take_resource()?;
            reject_leftovers(&members)?;
            HttpCall {
                method: "GET",
                path_and_query: tags_path(&arn),
                body: String::new(),
            }
        }
        "TagResource" => {
            let arn = take_resource()?;
            HttpCall {
                method: "POST",
                path_and_query: tags_path(&arn),
                body: json(members),
            }
        }
        "UntagResource" => {
            let arn = take_resource()?;
            let keys = match members.remove("tagKeys") {
                Some(Value::Array(keys)) if !keys.is_empty() => keys
                    .iter()
                    .map(|key| key.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>(),
                _ => None,
            }
            .ok_or_else(|| Violation::new("tagKeys", "must be a non-empty list of tag keys"))?;
            reject_leftovers(&members)?;
            let query = keys
                .iter()
                .map(|key| format!("tagKeys={}", utf8_percent_encode(key, UNRESERVED)))
                .collect::<Vec<_>>()
                .join("&");
            HttpCall {
                method: "DELETE",
                path_and_query: format!("{}?{query}", tags_path(&arn)),
                body: String::new(),
            }
        }
        other => HttpCall {
            method: "POST",
            path_and_query: format!("/{other}"),
            body: json(members),
        },
    })
}

/// Members other than the path and query ones have nowhere to go on a call without a body.
fn reject_leftovers(members: &Map<String, Value>) -> Result<(), Violation> {
    match members.keys().next() {
        Some(name) => Err(Violation::new(
            name,
            "is not a member of this operation's request",
        )),
        None => Ok(()),
    }
}

/// Signs `call` for `endpoint` (scheme and authority, no path) with `identity` in `region`,
/// valid from `now` for `expires_in`.
pub(crate) fn sign_call(
    call: &HttpCall,
    endpoint: &str,
    identity: &Identity,
    region: &str,
    now: SystemTime,
    expires_in: Duration,
) -> Result<PresignedRequest, IvsChatError> {
    if expires_in.is_zero() || expires_in > MAX_PRESIGN_EXPIRY {
        return Err(Violation::new(
            "expiresIn",
            "must be between 1 second and 7 days (604800 seconds)",
        )
        .into());
    }
    let unsigned_url = format!("{}{}", endpoint.trim_end_matches('/'), call.path_and_query);
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(expires_in);
    let params = v4::SigningParams::builder()
        .identity(identity)
        .region(region)
        .name(SIGNING_NAME)
        .time(now)
        .settings(settings)
        .build()
        .map_err(|e| IvsChatError::Unknown {
            code: Some("PresignFailed".into()),
            message: e.to_string(),
        })?
        .into();
    let signable = SignableRequest::new(
        call.method,
        unsigned_url.as_str(),
        std::iter::empty(),
        SignableBody::Bytes(call.body.as_bytes()),
    )
    .map_err(|e| IvsChatError::Unknown {
        code: Some("PresignFailed".into()),
        message: e.to_string(),
    })?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| IvsChatError::Unknown {
            code: Some("PresignFailed".into()),
            message: e.to_string(),
        })?
        .into_parts();
    let mut request = http::Request::builder()
        .method(call.method)
        .uri(unsigned_url.as_str())
        .body(())
        .map_err(|e| IvsChatError::Unknown {
            code: Some("PresignFailed".into()),
            message: e.to_string(),
        })?;
    instructions.apply_to_request_http1x(&mut request);
    let headers = if call.body.is_empty() {
        Vec::new()
    } else {
        vec![("content-type".to_owned(), "application/json".to_owned())]
    };
    Ok(PresignedRequest {
        method: call.method,
        url: request.uri().to_string(),
        headers,
        body: call.body.clone(),
        expires_at: now + expires_in,
    })
}

/// The SigV4 service name of IVS Chat.
pub(crate) const SIGNING_NAME: &str = "ivschat";

/// The identity `provider` gives, as the signer wants it.
pub(crate) async fn identity_from(
    provider: &impl ProvideCredentials,
) -> Result<Identity, IvsChatError> {
    let credentials = provider
        .provide_credentials()
        .await
        .map_err(|e| IvsChatError::Unknown {
            code: Some("CredentialsUnavailable".into()),
            message: e.to_string(),
        })?;
    Ok(credentials.into())
}

#[cfg(test)]
mod tests {
    use aws_credential_types::Credentials;
    use serde_json::json;

    use super::*;

    const ROOM: &str = "arn:aws:ivschat:us-east-1:123456789012:room/abcdEFGH1234";

    fn identity() -> Identity {
        Credentials::new("AKIDEXAMPLE", "secret", None, None, "test").into()
    }

    #[test]
    fn json_operations_post_their_input_to_their_name() {
        let call = http_call(
            "CreateChatToken",
            &json!({"roomIdentifier": ROOM, "userId": "u1"}),
        )
        .expect("valid");
        assert_eq!(call.method, "POST");
        assert_eq!(call.path_and_query, "/CreateChatToken");
        let body: Value = serde_json::from_str(&call.body).expect("JSON");
        assert_eq!(body, json!({"roomIdentifier": ROOM, "userId": "u1"}));
    }

    #[test]
    fn tag_operations_put_the_arn_in_the_path_and_keys_in_the_query() {
        let list = http_call("ListTagsForResource", &json!({"resourceArn": ROOM})).expect("valid");
        assert_eq!(list.method, "GET");
        assert_eq!(
            list.path_and_query,
            "/tags/arn%3Aaws%3Aivschat%3Aus-east-1%3A123456789012%3Aroom%2FabcdEFGH1234"
        );
        let untag = http_call(
            "UntagResource",
            &json!({"resourceArn": ROOM, "tagKeys": ["a b", "c"]}),
        )
        .expect("valid");
        assert_eq!(untag.method, "DELETE");
        assert!(untag.path_and_query.ends_with("?tagKeys=a%20b&tagKeys=c"));
        let tag = http_call(
            "TagResource",
            &json!({"resourceArn": ROOM, "tags": {"k": "v"}}),
        )
        .expect("valid");
        assert_eq!(tag.body, r#"{"tags":{"k":"v"}}"#);
    }

    #[test]
    fn an_unknown_operation_or_a_bad_input_names_the_field() {
        assert_eq!(
            http_call("DeleteEverything", &json!({}))
                .expect_err("unknown")
                .field,
            "operation"
        );
        assert_eq!(
            http_call("GetRoom", &json!(["x"]))
                .expect_err("array")
                .field,
            "input"
        );
        assert_eq!(
            http_call("ListTagsForResource", &json!({"resourceArn": "nope"}))
                .expect_err("bad arn")
                .field,
            "resourceArn"
        );
        assert_eq!(
            http_call(
                "UntagResource",
                &json!({"resourceArn": ROOM, "tagKeys": []})
            )
            .expect_err("no keys")
            .field,
            "tagKeys"
        );
    }

    #[test]
    fn the_url_carries_a_query_signature_valid_for_the_asked_time() {
        let call = http_call("ListRooms", &json!({})).expect("valid");
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        let presigned = sign_call(
            &call,
            "http://127.0.0.1:4510",
            &identity(),
            "us-east-1",
            now,
            Duration::from_secs(300),
        )
        .expect("signed");
        assert!(
            presigned
                .url
                .starts_with("http://127.0.0.1:4510/ListRooms?")
        );
        for part in [
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1%2Fivschat%2Faws4_request",
            "X-Amz-Date=20260101T000000Z",
            "X-Amz-Expires=300",
            "X-Amz-SignedHeaders=host",
            "X-Amz-Signature=",
        ] {
            assert!(presigned.url.contains(part), "{part} in {}", presigned.url);
        }
        assert_eq!(presigned.expires_at, now + Duration::from_secs(300));
        assert!(!format!("{presigned:?}").contains("X-Amz-Signature"));
    }

    #[test]
    fn an_expiry_beyond_seven_days_or_of_zero_is_refused() {
        let call = http_call("ListRooms", &json!({})).expect("valid");
        for expires_in in [Duration::ZERO, MAX_PRESIGN_EXPIRY + Duration::from_secs(1)] {
            let error = sign_call(
                &call,
                "https://ivschat.us-east-1.amazonaws.com",
                &identity(),
                "us-east-1",
                SystemTime::now(),
                expires_in,
            )
            .expect_err("out of range");
            assert!(
                matches!(error, IvsChatError::InvalidInput(ref v) if v.field == "expiresIn"),
                "{error:?}"
            );
        }
    }
}
