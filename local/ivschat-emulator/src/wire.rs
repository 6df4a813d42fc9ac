//! Response bodies: resources encoded as the model's output shapes.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::model::{Destination, LoggingConfiguration, MessageReviewHandler, Room};

/// An ISO-8601 UTC timestamp with milliseconds (`2026-11-26T05:00:00.123Z`), the model's
/// `timestampFormat: iso8601`.
pub fn timestamp(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .or_else(|_| at.format(&Rfc3339))
        .unwrap_or_default()
}

fn handler(handler: &MessageReviewHandler) -> Value {
    json!({ "uri": handler.uri, "fallbackResult": handler.fallback_result.as_str() })
}

/// A `RoomSummary` (ListRooms item): no rate or length members.
pub fn room_summary(room: &Room) -> Value {
    let mut body = json!({
        "arn": room.arn,
        "id": room.id,
        "name": room.name,
        "createTime": timestamp(room.create_time),
        "updateTime": timestamp(room.update_time),
        "tags": room.tags,
        "loggingConfigurationIdentifiers": room.logging_configuration_identifiers,
    });
    if let Some(review) = &room.message_review_handler {
        body["messageReviewHandler"] = handler(review);
    }
    body
}

/// The Create/Get/UpdateRoom response.
pub fn room(room: &Room) -> Value {
    let mut body = room_summary(room);
    body["maximumMessageRatePerSecond"] = json!(room.maximum_message_rate_per_second);
    body["maximumMessageLength"] = json!(room.maximum_message_length);
    body
}

/// A `DestinationConfiguration` union value.
pub fn destination(destination: &Destination) -> Value {
    match destination {
        Destination::S3 { bucket_name } => json!({ "s3": { "bucketName": bucket_name } }),
        Destination::CloudWatchLogs { log_group_name } => {
            json!({ "cloudWatchLogs": { "logGroupName": log_group_name } })
        }
        Destination::Firehose {
            delivery_stream_name,
        } => json!({ "firehose": { "deliveryStreamName": delivery_stream_name } }),
    }
}

/// A logging configuration, as every logging-configuration response and summary carries it.
pub fn logging_configuration(config: &LoggingConfiguration) -> Value {
    json!({
        "arn": config.arn,
        "id": config.id,
        "name": config.name,
        "createTime": timestamp(config.create_time),
        "updateTime": timestamp(config.update_time),
        "destinationConfiguration": destination(&config.destination_configuration),
        "state": config.state.as_str(),
        "tags": config.tags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_timestamps_as_iso8601_utc_with_milliseconds() {
        // GIVEN an instant WHEN formatted THEN it is ISO-8601 in UTC
        let at = time::macros::datetime!(2026-11-26 05:01:02.345678 UTC);
        assert_eq!(timestamp(at), "2026-11-26T05:01:02.345Z");
    }
}
