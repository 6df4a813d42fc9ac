//! Constraint checks from the IVS Chat service model (docs/ivs-chat.md §2.3–§3).
//!
//! Every check returns a [`Violation`] naming the field and the rule, so both the client (before
//! sending) and the local emulator (when answering) report the same words.

use std::fmt;

/// One broken constraint: which field, and which rule it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The field's name as on the wire (`userId`, `tags.owner`, `destinationConfiguration`).
    pub field: String,
    /// The rule, phrased to complete "field: …" (`must be at most 128 characters`).
    pub rule: String,
}

impl Violation {
    /// A violation of `rule` by `field`.
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

impl std::error::Error for Violation {}

/// Longest room or logging-configuration identifier (an ARN), in characters.
pub const MAX_IDENTIFIER_LENGTH: usize = 128;
/// Longest room or logging-configuration name.
pub const MAX_NAME_LENGTH: usize = 128;
/// Longest userId, in code points.
pub const MAX_USER_ID_LENGTH: usize = 128;
/// Longest moderation reason, in code points.
pub const MAX_REASON_LENGTH: usize = 256;
/// Longest event name, in code points.
pub const MAX_EVENT_NAME_LENGTH: usize = 100;
/// Most bytes (keys plus values) in a token's or an event's attributes.
pub const MAX_ATTRIBUTES_BYTES: usize = 1024;
/// Longest chat session, in minutes.
pub const MAX_SESSION_DURATION_MINUTES: i64 = 180;
/// Most tags on one resource.
pub const MAX_TAGS: usize = 50;
/// Longest tag key.
pub const MAX_TAG_KEY_LENGTH: usize = 128;
/// Longest tag value.
pub const MAX_TAG_VALUE_LENGTH: usize = 256;
/// Largest page a list operation returns.
pub const MAX_RESULTS: i64 = 50;
/// Largest room `maximumMessageLength`, in code points.
pub const MAX_MESSAGE_LENGTH: i64 = 500;
/// Largest room `maximumMessageRatePerSecond` through the API (CloudFormation caps it at 10).
pub const MAX_MESSAGE_RATE_PER_SECOND: i64 = 100;
/// Most logging configurations attached to one room.
pub const MAX_LOGGING_CONFIGURATIONS_PER_ROOM: usize = 3;
/// Longest message review handler URI.
pub const MAX_HANDLER_URI_LENGTH: usize = 170;
/// Exact length of message, room and operation ids.
pub const ID_LENGTH: usize = 12;
/// Longest pagination token.
pub const MAX_PAGINATION_TOKEN_LENGTH: usize = 1024;

fn char_len(value: &str) -> usize {
    value.chars().count()
}

fn length_between(field: &str, value: &str, min: usize, max: usize) -> Result<(), Violation> {
    let len = char_len(value);
    if len < min {
        return Err(if min == 1 {
            Violation::new(field, "must not be empty")
        } else {
            Violation::new(field, format!("must be at least {min} characters"))
        });
    }
    if len > max {
        return Err(Violation::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

fn int_between(field: &str, value: i64, min: i64, max: i64) -> Result<(), Violation> {
    if value < min || value > max {
        return Err(Violation::new(
            field,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(())
}

fn is_alphanumeric_or_dash(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// The parts of an IVS Chat ARN `arn:aws:ivschat:REGION:ACCOUNT:KIND/ID`, if `value` has that
/// shape: region `[a-z0-9-]+`, account `[0-9]+`, id `[a-zA-Z0-9-]+`.
pub(crate) fn split_ivschat_arn(value: &str) -> Option<(&str, &str, &str, &str)> {
    let rest = value.strip_prefix("arn:aws:ivschat:")?;
    let (region, rest) = rest.split_once(':')?;
    let (account, rest) = rest.split_once(':')?;
    let (kind, id) = rest.split_once('/')?;
    let region_ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let account_ok = !account.is_empty() && account.chars().all(|c| c.is_ascii_digit());
    let id_ok = !id.is_empty() && id.chars().all(is_alphanumeric_or_dash);
    (region_ok && account_ok && id_ok).then_some((region, account, kind, id))
}

fn ivschat_arn(field: &str, value: &str, kind: &str) -> Result<(), Violation> {
    length_between(field, value, 1, MAX_IDENTIFIER_LENGTH)?;
    match split_ivschat_arn(value) {
        Some((_, _, found, _)) if found == kind => Ok(()),
        _ => Err(Violation::new(
            field,
            format!("must be an ARN of the form arn:aws:ivschat:REGION:ACCOUNT:{kind}/ID"),
        )),
    }
}

/// A room identifier: 1–128 characters, `arn:aws:ivschat:REGION:ACCOUNT:room/ID` (IVS accepts
/// only the ARN, not a bare id).
pub fn room_identifier(field: &str, value: &str) -> Result<(), Violation> {
    ivschat_arn(field, value, "room")
}

/// A logging-configuration identifier: 1–128 characters,
/// `arn:aws:ivschat:REGION:ACCOUNT:logging-configuration/ID`.
pub fn logging_configuration_identifier(field: &str, value: &str) -> Result<(), Violation> {
    ivschat_arn(field, value, "logging-configuration")
}

/// A taggable resource: 1–128 characters and a room or logging-configuration ARN. The model's own
/// pattern for this field is broken (docs/ivs-chat.md §2.3) and is deliberately not used.
pub fn resource_arn(field: &str, value: &str) -> Result<(), Violation> {
    length_between(field, value, 1, MAX_IDENTIFIER_LENGTH)?;
    match split_ivschat_arn(value) {
        Some((_, _, "room" | "logging-configuration", _)) => Ok(()),
        _ => Err(Violation::new(
            field,
            "must be a room or logging-configuration ARN (arn:aws:ivschat:REGION:ACCOUNT:room/ID)",
        )),
    }
}

/// A room or logging-configuration name: 0–128 characters of `[a-zA-Z0-9-_]`.
pub fn resource_name(field: &str, value: &str) -> Result<(), Violation> {
    length_between(field, value, 0, MAX_NAME_LENGTH)?;
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Violation::new(
            field,
            "must contain only letters, digits, '-' and '_'",
        ));
    }
    Ok(())
}

/// A userId: 1–128 code points of any text.
pub fn user_id(field: &str, value: &str) -> Result<(), Violation> {
    length_between(field, value, 1, MAX_USER_ID_LENGTH)
}

/// A DeleteMessage or DisconnectUser reason: 1–256 code points (omit it rather than send "").
pub fn reason(field: &str, value: &str) -> Result<(), Violation> {
    length_between(field, value, 1, MAX_REASON_LENGTH)
}

/// A SendEvent event name: 1–100 code points.
pub fn event_name(field: &str, value: &str) -> Result<(), Violation> {
    length_between(field, value, 1, MAX_EVENT_NAME_LENGTH)
}

/// Token or event attributes: at most 1 KB of keys and values together.
pub fn attributes(
    field: &str,
    value: &std::collections::BTreeMap<String, String>,
) -> Result<(), Violation> {
    let bytes: usize = value.iter().map(|(k, v)| k.len() + v.len()).sum();
    if bytes > MAX_ATTRIBUTES_BYTES {
        return Err(Violation::new(
            field,
            format!(
                "must total at most {MAX_ATTRIBUTES_BYTES} bytes of keys and values (got {bytes})"
            ),
        ));
    }
    Ok(())
}

/// A chat session duration: 1–180 minutes.
pub fn session_duration_in_minutes(field: &str, value: i64) -> Result<(), Violation> {
    int_between(field, value, 1, MAX_SESSION_DURATION_MINUTES)
}

/// A tag map: at most 50 tags, keys 1–128 characters, values at most 256.
pub fn tags(
    field: &str,
    value: &std::collections::BTreeMap<String, String>,
) -> Result<(), Violation> {
    if value.len() > MAX_TAGS {
        return Err(Violation::new(
            field,
            format!("must have at most {MAX_TAGS} tags"),
        ));
    }
    for (key, tag_value) in value {
        tag_key(field, key)?;
        if char_len(tag_value) > MAX_TAG_VALUE_LENGTH {
            return Err(Violation::new(
                format!("{field}.{key}"),
                format!("tag value must be at most {MAX_TAG_VALUE_LENGTH} characters"),
            ));
        }
    }
    Ok(())
}

fn tag_key(field: &str, key: &str) -> Result<(), Violation> {
    if key.is_empty() {
        return Err(Violation::new(field, "tag keys must not be empty"));
    }
    if char_len(key) > MAX_TAG_KEY_LENGTH {
        return Err(Violation::new(
            field,
            format!("tag keys must be at most {MAX_TAG_KEY_LENGTH} characters"),
        ));
    }
    Ok(())
}

/// The keys of an UntagResource call: at most 50, each 1–128 characters.
pub fn tag_keys(field: &str, value: &[String]) -> Result<(), Violation> {
    if value.len() > MAX_TAGS {
        return Err(Violation::new(
            field,
            format!("must have at most {MAX_TAGS} keys"),
        ));
    }
    value.iter().try_for_each(|key| tag_key(field, key))
}

/// A page size: 1–50.
pub fn max_results(field: &str, value: i64) -> Result<(), Violation> {
    int_between(field, value, 1, MAX_RESULTS)
}

/// A room's maximum message length: 1–500 code points.
pub fn maximum_message_length(field: &str, value: i64) -> Result<(), Violation> {
    int_between(field, value, 1, MAX_MESSAGE_LENGTH)
}

/// A room's maximum message rate: 1–100 messages per second.
pub fn maximum_message_rate_per_second(field: &str, value: i64) -> Result<(), Violation> {
    int_between(field, value, 1, MAX_MESSAGE_RATE_PER_SECOND)
}

/// The logging configurations of a room: at most 3, each a logging-configuration ARN.
pub fn logging_configuration_identifiers(field: &str, value: &[String]) -> Result<(), Violation> {
    if value.len() > MAX_LOGGING_CONFIGURATIONS_PER_ROOM {
        return Err(Violation::new(
            field,
            format!(
                "must have at most {MAX_LOGGING_CONFIGURATIONS_PER_ROOM} logging configurations"
            ),
        ));
    }
    value
        .iter()
        .try_for_each(|arn| logging_configuration_identifier(field, arn))
}

/// A message review handler URI: empty (removes the handler) or, within 170 characters,
/// `arn:aws:lambda:REGION:ACCOUNT12:function:NAME` (a qualifier is allowed).
pub fn message_review_handler_uri(field: &str, value: &str) -> Result<(), Violation> {
    length_between(field, value, 0, MAX_HANDLER_URI_LENGTH)?;
    if value.is_empty() {
        return Ok(());
    }
    let shape_ok = value
        .strip_prefix("arn:aws:lambda:")
        .and_then(|rest| rest.split_once(':'))
        .and_then(|(region, rest)| {
            let region_ok = !region.is_empty()
                && region
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            let (account, rest) = rest.split_once(':')?;
            let account_ok = account.len() == 12 && account.chars().all(|c| c.is_ascii_digit());
            let name = rest.strip_prefix("function:")?;
            Some(region_ok && account_ok && !name.is_empty())
        })
        .unwrap_or(false);
    if !shape_ok {
        return Err(Violation::new(
            field,
            "must be empty or a Lambda function ARN arn:aws:lambda:REGION:ACCOUNT:function:NAME",
        ));
    }
    Ok(())
}

/// A message id: exactly 12 characters of `[a-zA-Z0-9]`.
pub fn message_id(field: &str, value: &str) -> Result<(), Violation> {
    if value.len() != ID_LENGTH || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Violation::new(
            field,
            "must be exactly 12 letters or digits",
        ));
    }
    Ok(())
}

/// A pagination token: at most 1024 characters.
pub fn pagination_token(field: &str, value: &str) -> Result<(), Violation> {
    length_between(field, value, 0, MAX_PAGINATION_TOKEN_LENGTH)
}

/// A logging destination: exactly one of an S3 bucket (3–63, `[a-z0-9-.]`), a CloudWatch Logs
/// group (1–512, `[.\-_/#A-Za-z0-9]`) or a Firehose delivery stream (1–64, `[a-zA-Z0-9_.-]`).
pub fn destination_configuration(
    field: &str,
    s3_bucket: Option<&str>,
    cloud_watch_logs_group: Option<&str>,
    firehose_stream: Option<&str>,
) -> Result<(), Violation> {
    let set = [s3_bucket, cloud_watch_logs_group, firehose_stream]
        .iter()
        .filter(|d| d.is_some())
        .count();
    if set != 1 {
        return Err(Violation::new(
            field,
            "must set exactly one of s3, cloudWatchLogs and firehose",
        ));
    }
    if let Some(bucket) = s3_bucket {
        let name = format!("{field}.s3.bucketName");
        length_between(&name, bucket, 3, 63)?;
        if !bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        {
            return Err(Violation::new(
                name,
                "must contain only lower-case letters, digits, '-' and '.'",
            ));
        }
    }
    if let Some(group) = cloud_watch_logs_group {
        let name = format!("{field}.cloudWatchLogs.logGroupName");
        length_between(&name, group, 1, 512)?;
        if !group
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '#'))
        {
            return Err(Violation::new(
                name,
                "must contain only letters, digits and . - _ / #",
            ));
        }
    }
    if let Some(stream) = firehose_stream {
        let name = format!("{field}.firehose.deliveryStreamName");
        length_between(&name, stream, 1, 64)?;
        if !stream
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(Violation::new(
                name,
                "must contain only letters, digits, '_', '.' and '-'",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const ROOM: &str = "arn:aws:ivschat:us-east-1:123456789012:room/abcdEFGH1234";
    const LOGGING: &str =
        "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/abcdEFGH1234";

    fn rule_of(result: Result<(), Violation>) -> String {
        result.expect_err("expected a violation").rule
    }

    #[test]
    fn room_identifier_accepts_a_room_arn_and_rejects_other_shapes() {
        assert!(room_identifier("roomIdentifier", ROOM).is_ok());
        for bad in [
            "",
            "abcdEFGH1234",
            LOGGING,
            "arn:aws:ivschat:us-east-1:123456789012:room/",
            "arn:aws:ivschat:US-EAST-1:123456789012:room/abc",
            "arn:aws:ivschat:us-east-1:12345678901x:room/abc",
            "arn:aws:ivschat:us-east-1:123456789012:room/ab_c",
            "arn:aws:ivs:us-east-1:123456789012:room/abc",
        ] {
            let violation = room_identifier("roomIdentifier", bad).expect_err(bad);
            assert_eq!(violation.field, "roomIdentifier");
        }
    }

    #[test]
    fn identifiers_are_limited_to_128_characters() {
        let prefix = "arn:aws:ivschat:us-east-1:123456789012:room/";
        let at_limit = format!("{prefix}{}", "a".repeat(128 - prefix.len()));
        assert!(room_identifier("identifier", &at_limit).is_ok());
        let over = format!("{at_limit}a");
        assert_eq!(
            rule_of(room_identifier("identifier", &over)),
            "must be at most 128 characters"
        );
    }

    #[test]
    fn logging_configuration_identifier_requires_its_own_kind() {
        assert!(logging_configuration_identifier("identifier", LOGGING).is_ok());
        assert!(logging_configuration_identifier("identifier", ROOM).is_err());
    }

    #[test]
    fn resource_arn_accepts_both_taggable_kinds_that_the_model_pattern_would_reject() {
        assert!(resource_arn("resourceArn", ROOM).is_ok());
        assert!(resource_arn("resourceArn", LOGGING).is_ok());
        assert!(
            resource_arn(
                "resourceArn",
                "arn:aws:ivschat:us-east-1:123456789012:channel/abc"
            )
            .is_err()
        );
        assert!(resource_arn("resourceArn", "").is_err());
    }

    #[test]
    fn names_allow_up_to_128_of_the_allowed_characters() {
        assert!(resource_name("name", "").is_ok());
        assert!(resource_name("name", "Room_1-a").is_ok());
        assert!(resource_name("name", &"n".repeat(128)).is_ok());
        assert_eq!(
            rule_of(resource_name("name", &"n".repeat(129))),
            "must be at most 128 characters"
        );
        assert!(rule_of(resource_name("name", "has space")).contains("only letters"));
    }

    #[test]
    fn user_id_counts_code_points_between_1_and_128() {
        assert_eq!(rule_of(user_id("userId", "")), "must not be empty");
        assert!(user_id("userId", "u").is_ok());
        assert!(user_id("userId", &"é".repeat(128)).is_ok());
        assert_eq!(
            rule_of(user_id("userId", &"é".repeat(129))),
            "must be at most 128 characters"
        );
    }

    #[test]
    fn reason_is_between_1_and_256() {
        assert!(reason("reason", "").is_err());
        assert!(reason("reason", "r").is_ok());
        assert!(reason("reason", &"r".repeat(256)).is_ok());
        assert!(reason("reason", &"r".repeat(257)).is_err());
    }

    #[test]
    fn event_name_is_between_1_and_100() {
        assert!(event_name("eventName", "").is_err());
        assert!(event_name("eventName", "e").is_ok());
        assert!(event_name("eventName", &"e".repeat(100)).is_ok());
        assert!(event_name("eventName", &"e".repeat(101)).is_err());
    }

    #[test]
    fn attributes_total_at_most_1024_bytes() {
        let at_limit = BTreeMap::from([("k".to_string(), "v".repeat(1023))]);
        assert!(attributes("attributes", &at_limit).is_ok());
        let over = BTreeMap::from([("k".to_string(), "v".repeat(1024))]);
        assert!(rule_of(attributes("attributes", &over)).contains("1024 bytes"));
    }

    #[test]
    fn session_duration_is_between_1_and_180_minutes() {
        assert!(session_duration_in_minutes("sessionDurationInMinutes", 0).is_err());
        assert!(session_duration_in_minutes("sessionDurationInMinutes", 1).is_ok());
        assert!(session_duration_in_minutes("sessionDurationInMinutes", 180).is_ok());
        assert_eq!(
            rule_of(session_duration_in_minutes("sessionDurationInMinutes", 181)),
            "must be between 1 and 180"
        );
    }

    #[test]
    fn tags_allow_50_entries_with_bounded_keys_and_values() {
        let fifty: BTreeMap<String, String> =
            (0..50).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(tags("tags", &fifty).is_ok());
        let mut fifty_one = fifty.clone();
        fifty_one.insert("extra".into(), "v".into());
        assert_eq!(
            rule_of(tags("tags", &fifty_one)),
            "must have at most 50 tags"
        );

        assert!(
            tags(
                "tags",
                &BTreeMap::from([("k".repeat(128), "v".repeat(256))])
            )
            .is_ok()
        );
        assert!(tags("tags", &BTreeMap::from([("k".repeat(129), "v".into())])).is_err());
        assert!(tags("tags", &BTreeMap::from([(String::new(), "v".into())])).is_err());
        let long_value = tags("tags", &BTreeMap::from([("owner".into(), "v".repeat(257))]))
            .expect_err("too long");
        assert_eq!(long_value.field, "tags.owner");
    }

    #[test]
    fn tag_keys_allow_50_non_empty_keys() {
        let fifty: Vec<String> = (0..50).map(|i| format!("k{i}")).collect();
        assert!(tag_keys("tagKeys", &fifty).is_ok());
        let mut fifty_one = fifty.clone();
        fifty_one.push("x".into());
        assert!(tag_keys("tagKeys", &fifty_one).is_err());
        assert!(tag_keys("tagKeys", &[String::new()]).is_err());
        assert!(tag_keys("tagKeys", &["k".repeat(129)]).is_err());
    }

    #[test]
    fn numeric_room_limits_are_enforced_at_both_ends() {
        assert!(max_results("maxResults", 0).is_err());
        assert!(max_results("maxResults", 1).is_ok());
        assert!(max_results("maxResults", 50).is_ok());
        assert!(max_results("maxResults", 51).is_err());
        assert!(maximum_message_length("maximumMessageLength", 0).is_err());
        assert!(maximum_message_length("maximumMessageLength", 1).is_ok());
        assert!(maximum_message_length("maximumMessageLength", 500).is_ok());
        assert!(maximum_message_length("maximumMessageLength", 501).is_err());
        assert!(maximum_message_rate_per_second("maximumMessageRatePerSecond", 0).is_err());
        assert!(maximum_message_rate_per_second("maximumMessageRatePerSecond", 1).is_ok());
        assert!(maximum_message_rate_per_second("maximumMessageRatePerSecond", 100).is_ok());
        assert!(maximum_message_rate_per_second("maximumMessageRatePerSecond", 101).is_err());
    }

    #[test]
    fn a_room_takes_at_most_three_logging_configurations() {
        let three = vec![LOGGING.to_string(); 3];
        assert!(
            logging_configuration_identifiers("loggingConfigurationIdentifiers", &three).is_ok()
        );
        let four = vec![LOGGING.to_string(); 4];
        assert!(
            rule_of(logging_configuration_identifiers(
                "loggingConfigurationIdentifiers",
                &four
            ))
            .contains("at most 3")
        );
        assert!(
            logging_configuration_identifiers(
                "loggingConfigurationIdentifiers",
                &[ROOM.to_string()]
            )
            .is_err()
        );
    }

    #[test]
    fn handler_uri_is_empty_or_a_lambda_arn_within_170_characters() {
        assert!(message_review_handler_uri("uri", "").is_ok());
        assert!(
            message_review_handler_uri(
                "uri",
                "arn:aws:lambda:us-east-1:123456789012:function:review"
            )
            .is_ok()
        );
        assert!(
            message_review_handler_uri(
                "uri",
                "arn:aws:lambda:us-east-1:123456789012:function:review:live"
            )
            .is_ok()
        );
        assert!(
            message_review_handler_uri("uri", "arn:aws:lambda:us-east-1:1234:function:review")
                .is_err()
        );
        assert!(
            message_review_handler_uri("uri", "arn:aws:lambda:us-east-1:123456789012:function:")
                .is_err()
        );
        let prefix = "arn:aws:lambda:us-east-1:123456789012:function:";
        assert!(
            message_review_handler_uri(
                "uri",
                &format!("{prefix}{}", "f".repeat(170 - prefix.len()))
            )
            .is_ok()
        );
        assert!(
            message_review_handler_uri(
                "uri",
                &format!("{prefix}{}", "f".repeat(171 - prefix.len()))
            )
            .is_err()
        );
    }

    #[test]
    fn message_id_is_exactly_twelve_alphanumerics() {
        assert!(message_id("id", "abcDEF123456").is_ok());
        assert!(message_id("id", "abcDEF12345").is_err());
        assert!(message_id("id", "abcDEF1234567").is_err());
        assert!(message_id("id", "abcDEF12345-").is_err());
    }

    #[test]
    fn pagination_token_is_at_most_1024_characters() {
        assert!(pagination_token("nextToken", &"t".repeat(1024)).is_ok());
        assert!(pagination_token("nextToken", &"t".repeat(1025)).is_err());
    }

    #[test]
    fn destination_is_exactly_one_valid_target() {
        let field = "destinationConfiguration";
        assert!(destination_configuration(field, Some("my-bucket.logs"), None, None).is_ok());
        assert!(destination_configuration(field, None, Some("/aws/ivschat#room_1"), None).is_ok());
        assert!(destination_configuration(field, None, None, Some("stream_1.a-b")).is_ok());
        assert!(
            rule_of(destination_configuration(field, None, None, None)).contains("exactly one")
        );
        assert!(destination_configuration(field, Some("bucket"), Some("group"), None).is_err());
        assert!(destination_configuration(field, Some("ab"), None, None).is_err());
        assert!(destination_configuration(field, Some(&"b".repeat(63)), None, None).is_ok());
        assert!(destination_configuration(field, Some(&"b".repeat(64)), None, None).is_err());
        let upper =
            destination_configuration(field, Some("MyBucket"), None, None).expect_err("upper case");
        assert_eq!(upper.field, "destinationConfiguration.s3.bucketName");
        assert!(destination_configuration(field, None, Some(&"g".repeat(512)), None).is_ok());
        assert!(destination_configuration(field, None, Some(&"g".repeat(513)), None).is_err());
        assert!(destination_configuration(field, None, Some("bad group"), None).is_err());
        assert!(destination_configuration(field, None, None, Some(&"s".repeat(64))).is_ok());
        assert!(destination_configuration(field, None, None, Some(&"s".repeat(65))).is_err());
        assert!(destination_configuration(field, None, None, Some("bad/stream")).is_err());
    }
}
