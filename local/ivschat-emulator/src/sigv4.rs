//! AWS Signature Version 4 checks for incoming requests.
//!
//! By default the emulator only insists that a request carries a well-formed
//! `AWS4-HMAC-SHA256` signature, as AWS refuses anonymous calls: an Authorization header, or
//! the `X-Amz-*` query parameters of a presigned URL. In strict mode it recomputes the
//! signature from the configured secret: canonical request (method, URI path encoded again,
//! sorted query, signed headers, payload hash), string to sign, derived key. A presigned URL
//! signs its query without `X-Amz-Signature`, and its payload either as the SHA-256 of the body
//! (what boto3 and this project's `ChatClient::presign` do, so the body cannot be swapped) or as
//! `UNSIGNED-PAYLOAD`; it is refused once `X-Amz-Date` plus `X-Amz-Expires` (at most 7 days)
//! has passed.
//! References: <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>,
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html>

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::error::ApiError;
use crate::routing::query_pairs;

type HmacSha256 = Hmac<Sha256>;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The service name in the credential scope.
pub const SIGNING_NAME: &str = "ivschat";
/// How far a request's X-Amz-Date may be from the emulator's clock, as AWS allows.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(15);
/// The longest a presigned URL may stay valid (`X-Amz-Expires`), in seconds: 7 days.
pub const MAX_PRESIGNED_EXPIRES_SECONDS: i64 = 604_800;

/// Characters left as they are by SigV4 URI encoding: the RFC 3986 unreserved set.
const SIGV4_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// The same, also keeping `/` (for paths).
const SIGV4_ENCODE_PATH: &AsciiSet = &SIGV4_ENCODE.remove(b'/');

/// How requests are authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthPolicy {
    /// Any well-formed SigV4 Authorization header is accepted.
    RequireSignature,
    /// The signature must verify against one of these access key → secret pairs, in this Region.
    Strict {
        /// Access key id → secret access key.
        credentials: BTreeMap<String, String>,
        /// The Region the credential scope must name.
        region: String,
    },
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationHeader {
    /// Access key id.
    pub access_key_id: String,
    /// Scope date, `YYYYMMDD`.
    pub date: String,
    /// Scope Region.
    pub region: String,
    /// Scope service.
    pub service: String,
    /// Lower-case signed header names, in the order given.
    pub signed_headers: Vec<String>,
    /// Hex signature.
    pub signature: String,
}

fn incomplete(message: impl Into<String>) -> ApiError {
    ApiError::IncompleteSignature {
        message: message.into(),
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::InvalidSignature {
        message: message.into(),
    }
}

impl AuthorizationHeader {
    /// Parses the header value; a missing or foreign scheme or a missing part is refused as AWS
    /// refuses it.
    pub fn parse(value: Option<&str>) -> Result<Self, ApiError> {
        let value = value.ok_or_else(|| ApiError::MissingAuthenticationToken {
            message: "Missing Authentication Token".into(),
        })?;
        let rest = value
            .strip_prefix(ALGORITHM)
            .filter(|rest| rest.starts_with(' '))
            .ok_or_else(|| {
                incomplete(format!(
                    "Authorization header must use the {ALGORITHM} scheme"
                ))
            })?;
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for part in rest.split(',') {
            let Some((key, val)) = part.trim().split_once('=') else {
                continue;
            };
            match key {
                "Credential" => credential = Some(val),
                "SignedHeaders" => signed_headers = Some(val),
                "Signature" => signature = Some(val),
                _ => {}
            }
        }
        let missing = |what: &str| {
            incomplete(format!(
                "Authorization header requires '{what}' parameter. Authorization={value}"
            ))
        };
        let credential = credential.ok_or_else(|| missing("Credential"))?;
        let signed_headers = signed_headers.ok_or_else(|| missing("SignedHeaders"))?;
        let signature = signature.ok_or_else(|| missing("Signature"))?;
        let scope: Vec<&str> = credential.split('/').collect();
        let [access_key_id, date, region, service, "aws4_request"] = scope.as_slice() else {
            return Err(incomplete(format!(
                "Credential must be ACCESS_KEY/DATE/REGION/SERVICE/aws4_request, got {credential}"
            )));
        };
        Ok(Self {
            access_key_id: (*access_key_id).to_owned(),
            date: (*date).to_owned(),
            region: (*region).to_owned(),
            service: (*service).to_owned(),
            signed_headers: signed_headers
                .split(';')
                .map(str::to_ascii_lowercase)
                .collect(),
            signature: signature.to_owned(),
        })
    }
}

/// The canonical URI: the path as received, URI-encoded once more (non-S3 services sign the
/// double-encoded path).
pub fn canonical_uri(raw_path: &str) -> String {
    if raw_path.is_empty() {
        return "/".to_owned();
    }
    utf8_percent_encode(raw_path, SIGV4_ENCODE_PATH).to_string()
}

/// The canonical query string: pairs decoded, re-encoded strictly, sorted by key then value.
pub fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(raw_query)
        .into_iter()
        .map(|(key, value)| {
            (
                utf8_percent_encode(&key, SIGV4_ENCODE).to_string(),
                utf8_percent_encode(&value, SIGV4_ENCODE).to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn canonical_header_value(headers: &HeaderMap, name: &str) -> String {
    headers
        .get_all(name)
        .iter()
        .map(|value| {
            String::from_utf8_lossy(value.as_bytes())
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Everything a signature covers.
pub struct SignedRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path as received (still percent-encoded).
    pub raw_path: &'a str,
    /// Query as received.
    pub raw_query: &'a str,
    /// Headers.
    pub headers: &'a HeaderMap,
    /// Body bytes.
    pub body: &'a [u8],
}

/// The canonical request for `request` signing `signed_headers` with `payload_hash`.
pub fn canonical_request(
    request: &SignedRequest<'_>,
    signed_headers: &[String],
    payload_hash: &str,
) -> String {
    let headers: String = signed_headers
        .iter()
        .map(|name| format!("{name}:{}\n", canonical_header_value(request.headers, name)))
        .collect();
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        canonical_uri(request.raw_path),
        canonical_query(request.raw_query),
        headers,
        signed_headers.join(";"),
        payload_hash
    )
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// The SigV4 signature (hex) of `string_to_sign` with `secret` for the scope's date, Region
/// and service.
pub fn signature(
    secret: &str,
    date: &str,
    region: &str,
    service: &str,
    string_to_sign: &str,
) -> String {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date);
    let k_region = hmac(&k_date, region);
    let k_service = hmac(&k_region, service);
    let k_signing = hmac(&k_service, "aws4_request");
    hex::encode(hmac(&k_signing, string_to_sign))
}

fn parse_amz_date(text: &str) -> Option<OffsetDateTime> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(text, &format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// Checks a request against `policy` at `now`.
pub fn authenticate(
    policy: &AuthPolicy,
    request: &SignedRequest<'_>,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    if let Some(presigned) = PresignedQuery::parse(request.raw_query)? {
        if request.headers.contains_key("authorization") {
            return Err(invalid(
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or \
                 the Authorization header should be specified",
            ));
        }
        return authenticate_presigned(policy, request, &presigned, now);
    }
    let header_value = request
        .headers
        .get("authorization")
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let authorization = AuthorizationHeader::parse(header_value.as_deref())?;
    let AuthPolicy::Strict {
        credentials,
        region,
    } = policy
    else {
        return Ok(());
    };
    let amz_date = request
        .headers
        .get("x-amz-date")
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| incomplete("Authorization requires an X-Amz-Date header"))?;
    let signed_at = parse_amz_date(amz_date)
        .ok_or_else(|| incomplete(format!("X-Amz-Date {amz_date} is not YYYYMMDDTHHMMSSZ")))?;
    if (now - signed_at).abs() > MAX_CLOCK_SKEW {
        return Err(invalid(format!(
            "Signature expired: {amz_date} is more than 15 minutes from the server time"
        )));
    }
    let body_hash = hex::encode(Sha256::digest(request.body));
    let payload_hash = match request
        .headers
        .get("x-amz-content-sha256")
        .and_then(|value| value.to_str().ok())
    {
        Some("UNSIGNED-PAYLOAD") => "UNSIGNED-PAYLOAD".to_owned(),
        Some(declared) if declared != body_hash => {
            return Err(invalid(
                "The provided x-amz-content-sha256 header does not match the request body",
            ));
        }
        _ => body_hash,
    };
    let canonical = canonical_request(request, &authorization.signed_headers, &payload_hash);
    verify_signature(credentials, region, &authorization, amz_date, &canonical)
}

/// The `X-Amz-*` query parameters of a presigned URL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PresignedQuery {
    /// Credential scope, signed headers and signature, as in an Authorization header.
    authorization: AuthorizationHeader,
    /// `X-Amz-Date`.
    amz_date: String,
    /// `X-Amz-Expires`, seconds.
    expires_seconds: i64,
}

impl PresignedQuery {
    /// The presigned-URL parameters of `raw_query`, or `None` when it has none (a request
    /// signed in its headers). A presigned URL missing a part is refused as AWS refuses it.
    fn parse(raw_query: &str) -> Result<Option<Self>, ApiError> {
        let pairs = query_pairs(raw_query);
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let Some(algorithm) = get("X-Amz-Algorithm") else {
            return Ok(None);
        };
        if algorithm != ALGORITHM {
            return Err(incomplete(format!(
                "X-Amz-Algorithm must be {ALGORITHM}, got {algorithm}"
            )));
        }
        let required = |name: &str| {
            get(name).ok_or_else(|| {
                incomplete(format!(
                    "AWS query-string parameters must include '{name}'. Re-examine the query-string parameters."
                ))
            })
        };
        let credential = required("X-Amz-Credential")?;
        let amz_date = required("X-Amz-Date")?;
        let expires = required("X-Amz-Expires")?;
        let signed_headers = required("X-Amz-SignedHeaders")?;
        let signature = required("X-Amz-Signature")?;
        let expires_seconds = expires
            .parse::<i64>()
            .ok()
            .filter(|seconds| (1..=MAX_PRESIGNED_EXPIRES_SECONDS).contains(seconds))
            .ok_or_else(|| {
                incomplete(format!(
                    "X-Amz-Expires must be a whole number of seconds from 1 to {MAX_PRESIGNED_EXPIRES_SECONDS}, got {expires}"
                ))
            })?;
        let header = format!(
            "{ALGORITHM} Credential={credential}, SignedHeaders={signed_headers}, Signature={signature}"
        );
        Ok(Some(Self {
            authorization: AuthorizationHeader::parse(Some(&header))?,
            amz_date: amz_date.to_owned(),
            expires_seconds,
        }))
    }
}

/// Checks a presigned URL: well-formed in any mode; in strict mode also not expired (nor dated
/// in the future beyond the allowed skew) and signed with a known secret over the query without
/// its signature and an unsigned payload.
fn authenticate_presigned(
    policy: &AuthPolicy,
    request: &SignedRequest<'_>,
    presigned: &PresignedQuery,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let AuthPolicy::Strict {
        credentials,
        region,
    } = policy
    else {
        return Ok(());
    };
    let amz_date = presigned.amz_date.as_str();
    let signed_at = parse_amz_date(amz_date)
        .ok_or_else(|| incomplete(format!("X-Amz-Date {amz_date} is not YYYYMMDDTHHMMSSZ")))?;
    if signed_at - now > MAX_CLOCK_SKEW {
        return Err(invalid(format!(
            "Signature not yet current: {amz_date} is still in the future"
        )));
    }
    if now > signed_at + Duration::seconds(presigned.expires_seconds) {
        return Err(invalid(format!(
            "Signature expired: the URL signed at {amz_date} was valid for {} seconds",
            presigned.expires_seconds
        )));
    }
    let unsigned_query: Vec<(String, String)> = query_pairs(request.raw_query)
        .into_iter()
        .filter(|(key, _)| key != "X-Amz-Signature")
        .collect();
    let query_without_signature = unsigned_query
        .iter()
        .map(|(key, value)| {
            format!(
                "{}={}",
                utf8_percent_encode(key, SIGV4_ENCODE),
                utf8_percent_encode(value, SIGV4_ENCODE)
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let without_signature = SignedRequest {
        raw_query: &query_without_signature,
        ..*request
    };
    // The body's own hash first; a URL signed without its payload verifies as UNSIGNED-PAYLOAD.
    let body_hash = hex::encode(Sha256::digest(request.body));
    let mut outcome = Ok(());
    for payload_hash in [body_hash.as_str(), "UNSIGNED-PAYLOAD"] {
        let canonical = canonical_request(
            &without_signature,
            &presigned.authorization.signed_headers,
            payload_hash,
        );
        outcome = verify_signature(
            credentials,
            region,
            &presigned.authorization,
            amz_date,
            &canonical,
        );
        if outcome.is_ok() {
            break;
        }
    }
    outcome
}

/// Checks the scope of `authorization` (date, Region, service, signed `host`), finds the
/// secret of its access key, and compares the signature of `canonical` in constant time.
fn verify_signature(
    credentials: &BTreeMap<String, String>,
    region: &str,
    authorization: &AuthorizationHeader,
    amz_date: &str,
    canonical: &str,
) -> Result<(), ApiError> {
    if !amz_date.starts_with(&authorization.date) {
        return Err(invalid(format!(
            "Credential date {} does not match X-Amz-Date {amz_date}",
            authorization.date
        )));
    }
    if authorization.region != region || authorization.service != SIGNING_NAME {
        return Err(invalid(format!(
            "Credential should be scoped to region '{region}' and service '{SIGNING_NAME}', not '{}' and '{}'",
            authorization.region, authorization.service
        )));
    }
    if !authorization.signed_headers.iter().any(|h| h == "host") {
        return Err(incomplete("SignedHeaders must include host"));
    }
    let secret = credentials
        .get(&authorization.access_key_id)
        .ok_or_else(|| ApiError::UnrecognizedClient {
            message: "The security token included in the request is invalid.".into(),
        })?;
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{}/{}/{}/aws4_request\n{}",
        authorization.date,
        authorization.region,
        authorization.service,
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let expected = signature(
        secret,
        &authorization.date,
        &authorization.region,
        &authorization.service,
        &string_to_sign,
    );
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        expected.as_bytes(),
        authorization.signature.as_bytes(),
    )) {
        return Err(invalid(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_encodes_the_path_and_sorts_the_query() {
        // GIVEN a tag path and an untag query as the SDK sends them
        // WHEN canonicalised THEN the path is encoded again and the pairs are sorted
        assert_eq!(
            canonical_uri("/tags/arn%3Aaws%3Aivschat"),
            "/tags/arn%253Aaws%253Aivschat"
        );
        assert_eq!(canonical_query("b=2&a=x%20y&a=1"), "a=1&a=x%20y&b=2");
    }

    #[test]
    fn matches_the_aws_documented_signing_example() {
        // GIVEN AWS's published example (IAM user guide, "Signature Version 4 signing process",
        // the GET IAM ListUsers example with secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY)
        let string_to_sign = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59";
        // WHEN signed
        let got = signature(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "iam",
            string_to_sign,
        );
        // THEN the documented signature comes out
        assert_eq!(
            got,
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn refuses_missing_and_foreign_authorization() {
        // GIVEN no header, a Basic header and a header without a signature
        // WHEN parsed THEN each is refused with the AWS error for it
        assert!(matches!(
            AuthorizationHeader::parse(None),
            Err(ApiError::MissingAuthenticationToken { .. })
        ));
        assert!(matches!(
            AuthorizationHeader::parse(Some("Basic dGVzdDp0ZXN0")),
            Err(ApiError::IncompleteSignature { .. })
        ));
        assert!(matches!(
            AuthorizationHeader::parse(Some(
                "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ivschat/aws4_request, SignedHeaders=host"
            )),
            Err(ApiError::IncompleteSignature { .. })
        ));
    }

    #[test]
    fn presigned_query_parameters_are_read_and_checked() {
        // GIVEN a query without presigning, a complete one, and broken ones
        let complete = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fivschat%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=abc";
        // WHEN parsed THEN an ordinary query is not presigned, a complete one is read
        assert_eq!(PresignedQuery::parse("tagKeys=a").expect("plain"), None);
        let presigned = PresignedQuery::parse(complete)
            .expect("well-formed")
            .expect("presigned");
        assert_eq!(presigned.expires_seconds, 300);
        assert_eq!(presigned.authorization.access_key_id, "AKID");
        assert_eq!(presigned.authorization.signed_headers, ["host"]);
        // AND a missing part, a foreign algorithm or an expiry beyond 7 days is refused
        for broken in [
            complete.replace("&X-Amz-Signature=abc", ""),
            complete.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256"),
            complete.replace("X-Amz-Expires=300", "X-Amz-Expires=604801"),
            complete.replace("X-Amz-Expires=300", "X-Amz-Expires=-1"),
        ] {
            assert!(
                matches!(
                    PresignedQuery::parse(&broken),
                    Err(ApiError::IncompleteSignature { .. })
                ),
                "{broken}"
            );
        }
    }
}
