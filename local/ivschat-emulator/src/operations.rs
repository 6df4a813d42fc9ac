//! One handler per operation: read the request members, validate them with the shared
//! `ivschat_api::validate` rules, call the store, encode the output shape.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use ivschat_api::validate;
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::error::{ApiError, check};
use crate::model::{Capability, Destination, FallbackResult, JournalAction, MessageReviewHandler};
use crate::pagination::{ListPosition, PageTokenCodec};
use crate::request::JsonObject;
use crate::routing::{Operation, Route, query_pairs};
use crate::store::{HandlerUpdate, JournalDraft, NewRoom, RoomChanges, RoomFilter, StateStore};
use crate::tokens::{ChatTokenSigner, TokenGrant};
use crate::wire;

/// Default chat session length in minutes.
pub const DEFAULT_SESSION_DURATION_MINUTES: i64 = 60;
/// Default and largest page size.
pub const DEFAULT_MAX_RESULTS: i64 = 50;

/// What the operations need from the emulator.
pub struct OperationContext<'a> {
    /// The emulated clock (token times).
    pub clock: &'a Clock,
    /// The state.
    pub store: &'a StateStore,
    /// The chat token signer.
    pub tokens: &'a ChatTokenSigner,
    /// The nextToken codec.
    pub pages: &'a PageTokenCodec,
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status (200, or 204 for the deletes).
    pub status: StatusCode,
    /// JSON body, `None` for 204.
    pub body: Option<Value>,
    /// Whether the call changed state (so a state file needs writing).
    pub changed_state: bool,
    /// What connected chat clients must see because of the call.
    pub live: Option<LiveEffect>,
}

/// The effect of a control-plane call on live chat connections.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEffect {
    /// Deliver an EVENT frame to everyone in the room.
    Event {
        /// The room.
        room_arn: String,
        /// The frame's Id (the operation id the call returned).
        id: String,
        /// The event name.
        event_name: String,
        /// The event attributes.
        attributes: BTreeMap<String, String>,
    },
    /// Deliver `aws:DISCONNECT_USER`, then close that user's connections.
    Disconnect {
        /// The room.
        room_arn: String,
        /// The frame's Id.
        id: String,
        /// Who.
        user_id: String,
        /// Why.
        reason: Option<String>,
    },
    /// The room is gone: close its connections.
    RoomDeleted {
        /// The room.
        room_arn: String,
    },
}

impl Reply {
    fn read(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some(body),
            changed_state: false,
            live: None,
        }
    }

    fn changed(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some(body),
            changed_state: true,
            live: None,
        }
    }

    fn deleted() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
            changed_state: true,
            live: None,
        }
    }

    fn with_live(mut self, effect: LiveEffect) -> Self {
        self.live = Some(effect);
        self
    }
}

/// Handles one routed request.
pub fn execute(
    context: &OperationContext<'_>,
    route: &Route,
    query: &str,
    body: &[u8],
) -> Result<Reply, ApiError> {
    let resource_arn = route.resource_arn.as_deref().unwrap_or_default();
    match route.operation {
        Operation::ListTagsForResource => list_tags_for_resource(context, resource_arn),
        Operation::UntagResource => untag_resource(context, resource_arn, query),
        operation => {
            let request = JsonObject::parse(body)?;
            match operation {
                Operation::CreateChatToken => create_chat_token(context, &request),
                Operation::CreateRoom => create_room(context, &request),
                Operation::GetRoom => get_room(context, &request),
                Operation::UpdateRoom => update_room(context, &request),
                Operation::DeleteRoom => delete_room(context, &request),
                Operation::ListRooms => list_rooms(context, &request),
                Operation::DeleteMessage => delete_message(context, &request),
                Operation::DisconnectUser => disconnect_user(context, &request),
                Operation::SendEvent => send_event(context, &request),
                Operation::TagResource => tag_resource(context, resource_arn, &request),
                Operation::CreateLoggingConfiguration => {
                    create_logging_configuration(context, &request)
                }
                Operation::GetLoggingConfiguration => get_logging_configuration(context, &request),
                Operation::UpdateLoggingConfiguration => {
                    update_logging_configuration(context, &request)
                }
                Operation::DeleteLoggingConfiguration => {
                    delete_logging_configuration(context, &request)
                }
                Operation::ListLoggingConfigurations => {
                    list_logging_configurations(context, &request)
                }
                Operation::ListTagsForResource | Operation::UntagResource => {
                    Err(ApiError::InternalServer {
                        message: "operation dispatched twice".into(),
                    })
                }
            }
        }
    }
}

fn room_identifier(request: &JsonObject, member: &str) -> Result<String, ApiError> {
    let value = request.required_string(member)?;
    check(validate::room_identifier(member, &value))?;
    Ok(value)
}

fn logging_configuration_identifier(request: &JsonObject) -> Result<String, ApiError> {
    let value = request.required_string("identifier")?;
    check(validate::logging_configuration_identifier(
        "identifier",
        &value,
    ))?;
    Ok(value)
}

fn optional_name(request: &JsonObject) -> Result<Option<String>, ApiError> {
    let name = request.optional_string("name")?;
    if let Some(name) = &name {
        check(validate::resource_name("name", name))?;
    }
    Ok(name)
}

fn optional_tags(request: &JsonObject) -> Result<Option<BTreeMap<String, String>>, ApiError> {
    let tags = request.optional_string_map("tags")?;
    if let Some(tags) = &tags {
        check(validate::tags("tags", tags))?;
    }
    Ok(tags)
}

fn optional_limits(request: &JsonObject) -> Result<(Option<i64>, Option<i64>), ApiError> {
    let rate = request.optional_integer("maximumMessageRatePerSecond")?;
    if let Some(rate) = rate {
        check(validate::maximum_message_rate_per_second(
            "maximumMessageRatePerSecond",
            rate,
        ))?;
    }
    let length = request.optional_integer("maximumMessageLength")?;
    if let Some(length) = length {
        check(validate::maximum_message_length(
            "maximumMessageLength",
            length,
        ))?;
    }
    Ok((rate, length))
}

fn optional_logging_identifiers(request: &JsonObject) -> Result<Option<Vec<String>>, ApiError> {
    let member = "loggingConfigurationIdentifiers";
    let identifiers = request.optional_string_list(member)?;
    if let Some(identifiers) = &identifiers {
        check(validate::logging_configuration_identifiers(
            member,
            identifiers,
        ))?;
    }
    Ok(identifiers)
}

/// The `messageReviewHandler` structure as sent: both members optional.
struct HandlerInput {
    uri: Option<String>,
    fallback_result: Option<FallbackResult>,
}

/// The `messageReviewHandler` structure, each member validated.
fn optional_handler(request: &JsonObject) -> Result<Option<HandlerInput>, ApiError> {
    let Some(handler) = request.optional_object("messageReviewHandler")? else {
        return Ok(None);
    };
    let uri = handler.optional_string("uri")?;
    if let Some(uri) = &uri {
        check(validate::message_review_handler_uri(
            &handler.field_name("uri"),
            uri,
        ))?;
    }
    let fallback = match handler.optional_string("fallbackResult")? {
        None => None,
        Some(text) => Some(FallbackResult::parse(&text).ok_or_else(|| {
            ApiError::invalid_field(
                &handler.field_name("fallbackResult"),
                "must be one of ALLOW, DENY",
            )
        })?),
    };
    Ok(Some(HandlerInput {
        uri,
        fallback_result: fallback,
    }))
}

fn optional_attributes(request: &JsonObject) -> Result<BTreeMap<String, String>, ApiError> {
    let attributes = request
        .optional_string_map("attributes")?
        .unwrap_or_default();
    check(validate::attributes("attributes", &attributes))?;
    Ok(attributes)
}

fn optional_reason(request: &JsonObject) -> Result<Option<String>, ApiError> {
    let reason = request.optional_string("reason")?;
    if let Some(reason) = &reason {
        check(validate::reason("reason", reason))?;
    }
    Ok(reason)
}

/// `(maxResults, decoded nextToken)` for a list in `scope`.
fn page_request(
    context: &OperationContext<'_>,
    request: &JsonObject,
    scope: &str,
) -> Result<(usize, Option<ListPosition>), ApiError> {
    let max_results = request
        .optional_integer("maxResults")?
        .unwrap_or(DEFAULT_MAX_RESULTS);
    check(validate::max_results("maxResults", max_results))?;
    let position = match request.optional_string("nextToken")? {
        None => None,
        Some(token) if token.is_empty() => None,
        Some(token) => {
            check(validate::pagination_token("nextToken", &token))?;
            Some(context.pages.decode(scope, &token)?)
        }
    };
    Ok((usize::try_from(max_results).unwrap_or(50), position))
}

fn create_chat_token(
    context: &OperationContext<'_>,
    request: &JsonObject,
) -> Result<Reply, ApiError> {
    let room_arn = room_identifier(request, "roomIdentifier")?;
    let user_id = request.required_string("userId")?;
    check(validate::user_id("userId", &user_id))?;
    let mut capabilities: Vec<Capability> = Vec::new();
    for text in request
        .optional_string_list("capabilities")?
        .unwrap_or_default()
    {
        let capability = Capability::parse(&text).ok_or_else(|| {
            ApiError::invalid_field(
                "capabilities",
                "must contain only SEND_MESSAGE, DISCONNECT_USER, DELETE_MESSAGE",
            )
        })?;
        if !capabilities.contains(&capability) {
            capabilities.push(capability);
        }
    }
    let session_duration_minutes = request
        .optional_integer("sessionDurationInMinutes")?
        .unwrap_or(DEFAULT_SESSION_DURATION_MINUTES);
    check(validate::session_duration_in_minutes(
        "sessionDurationInMinutes",
        session_duration_minutes,
    ))?;
    let attributes = optional_attributes(request)?;
    let room = context.store.get_room(&room_arn)?;
    let issued = context.tokens.issue(
        TokenGrant {
            room_arn: room.arn,
            user_id,
            capabilities,
            attributes,
            session_duration_minutes,
        },
        context.clock.now(),
    );
    Ok(Reply::read(json!({
        "token": issued.token,
        "tokenExpirationTime": wire::timestamp(issued.token_expiration_time),
        "sessionExpirationTime": wire::timestamp(issued.session_expiration_time),
    })))
}

fn create_room(context: &OperationContext<'_>, request: &JsonObject) -> Result<Reply, ApiError> {
    let name = optional_name(request)?.unwrap_or_default();
    let (rate, length) = optional_limits(request)?;
    let message_review_handler = match optional_handler(request)? {
        Some(HandlerInput {
            uri: Some(uri),
            fallback_result,
        }) if !uri.is_empty() => Some(MessageReviewHandler {
            uri,
            fallback_result: fallback_result.unwrap_or_default(),
        }),
        _ => None,
    };
    let tags = optional_tags(request)?.unwrap_or_default();
    let logging_configuration_identifiers =
        optional_logging_identifiers(request)?.unwrap_or_default();
    let room = context.store.create_room(NewRoom {
        name,
        maximum_message_rate_per_second: rate,
        maximum_message_length: length,
        message_review_handler,
        tags,
        logging_configuration_identifiers,
    })?;
    Ok(Reply::changed(wire::room(&room)))
}

fn get_room(context: &OperationContext<'_>, request: &JsonObject) -> Result<Reply, ApiError> {
    let identifier = room_identifier(request, "identifier")?;
    let room = context.store.get_room(&identifier)?;
    Ok(Reply::read(wire::room(&room)))
}

fn update_room(context: &OperationContext<'_>, request: &JsonObject) -> Result<Reply, ApiError> {
    let identifier = room_identifier(request, "identifier")?;
    let name = optional_name(request)?;
    let (rate, length) = optional_limits(request)?;
    let message_review_handler = optional_handler(request)?.and_then(|handler| {
        match (handler.uri, handler.fallback_result) {
            (Some(uri), _) if uri.is_empty() => Some(HandlerUpdate::Remove),
            (Some(uri), fallback) => Some(HandlerUpdate::Replace(MessageReviewHandler {
                uri,
                fallback_result: fallback.unwrap_or_default(),
            })),
            (None, Some(fallback)) => Some(HandlerUpdate::SetFallback(fallback)),
            (None, None) => None,
        }
    });
    let logging_configuration_identifiers = optional_logging_identifiers(request)?;
    let room = context.store.update_room(
        &identifier,
        RoomChanges {
            name,
            maximum_message_rate_per_second: rate,
            maximum_message_length: length,
            message_review_handler,
            logging_configuration_identifiers,
        },
    )?;
    Ok(Reply::changed(wire::room(&room)))
}

fn delete_room(context: &OperationContext<'_>, request: &JsonObject) -> Result<Reply, ApiError> {
    let identifier = room_identifier(request, "identifier")?;
    context.store.delete_room(&identifier)?;
    Ok(Reply::deleted().with_live(LiveEffect::RoomDeleted {
        room_arn: identifier,
    }))
}

fn list_rooms(context: &OperationContext<'_>, request: &JsonObject) -> Result<Reply, ApiError> {
    let name = optional_name(request)?;
    let message_review_handler_uri = request.optional_string("messageReviewHandlerUri")?;
    if let Some(uri) = &message_review_handler_uri {
        check(validate::message_review_handler_uri(
            "messageReviewHandlerUri",
            uri,
        ))?;
    }
    let logging_configuration_identifier =
        request.optional_string("loggingConfigurationIdentifier")?;
    if let Some(arn) = &logging_configuration_identifier {
        check(validate::logging_configuration_identifier(
            "loggingConfigurationIdentifier",
            arn,
        ))?;
    }
    let filter = RoomFilter {
        name,
        message_review_handler_uri,
        logging_configuration_identifier,
    };
    // The token is bound to the filters: resuming with other filters would skip or repeat rooms.
    let scope = format!(
        "rooms\n{}\n{}\n{}",
        filter.name.as_deref().unwrap_or("\u{0}"),
        filter
            .message_review_handler_uri
            .as_deref()
            .unwrap_or("\u{0}"),
        filter
            .logging_configuration_identifier
            .as_deref()
            .unwrap_or("\u{0}")
    );
    let (max, after) = page_request(context, request, &scope)?;
    let page = context.store.list_rooms(&filter, after.as_ref(), max)?;
    let mut body =
        json!({ "rooms": page.items.iter().map(wire::room_summary).collect::<Vec<_>>() });
    if let Some(next) = page.next {
        body["nextToken"] = json!(context.pages.encode(&scope, &next));
    }
    Ok(Reply::read(body))
}

fn delete_message(context: &OperationContext<'_>, request: &JsonObject) -> Result<Reply, ApiError> {
    let room_arn = room_identifier(request, "roomIdentifier")?;
    let message_id = request.required_string("id")?;
    check(validate::message_id("id", &message_id))?;
    let reason = optional_reason(request)?;
    let entry = context.store.record(JournalDraft {
        action: JournalAction::DeleteMessage,
        room_arn: room_arn.clone(),
        user_id: None,
        message_id: Some(message_id.clone()),
        event_name: None,
        reason: reason.clone(),
        attributes: BTreeMap::new(),
        review: None,
    })?;
    let attributes = crate::frames::delete_message_attributes(&message_id, reason.as_deref());
    Ok(
        Reply::changed(json!({ "id": entry.operation_id })).with_live(LiveEffect::Event {
            room_arn,
            id: entry.operation_id,
            event_name: crate::frames::DELETE_MESSAGE_EVENT.to_owned(),
            attributes,
        }),
    )
}

fn disconnect_user(
    context: &OperationContext<'_>,
    request: &JsonObject,
) -> Result<Reply, ApiError> {
    let room_arn = room_identifier(request, "roomIdentifier")?;
    let user_id = request.required_string("userId")?;
    check(validate::user_id("userId", &user_id))?;
    let reason = optional_reason(request)?;
    let entry = context.store.record(JournalDraft {
        action: JournalAction::DisconnectUser,
        room_arn: room_arn.clone(),
        user_id: Some(user_id.clone()),
        message_id: None,
        event_name: None,
        reason: reason.clone(),
        attributes: BTreeMap::new(),
        review: None,
    })?;
    Ok(Reply::changed(json!({})).with_live(LiveEffect::Disconnect {
        room_arn,
        id: entry.operation_id,
        user_id,
        reason,
    }))
}

fn send_event(context: &OperationContext<'_>, request: &JsonObject) -> Result<Reply, ApiError> {
    let room_arn = room_identifier(request, "roomIdentifier")?;
    let event_name = request.required_string("eventName")?;
    check(validate::event_name("eventName", &event_name))?;
    let attributes = optional_attributes(request)?;
    let entry = context.store.record(JournalDraft {
        action: JournalAction::SendEvent,
        room_arn: room_arn.clone(),
        user_id: None,
        message_id: None,
        event_name: Some(event_name.clone()),
        reason: None,
        attributes: attributes.clone(),
        review: None,
    })?;
    Ok(
        Reply::changed(json!({ "id": entry.operation_id })).with_live(LiveEffect::Event {
            room_arn,
            id: entry.operation_id,
            event_name,
            attributes,
        }),
    )
}

fn tag_resource(
    context: &OperationContext<'_>,
    resource_arn: &str,
    request: &JsonObject,
) -> Result<Reply, ApiError> {
    check(validate::resource_arn("resourceArn", resource_arn))?;
    let tags =
        optional_tags(request)?.ok_or_else(|| ApiError::invalid_field("tags", "is required"))?;
    context.store.tag_resource(resource_arn, tags)?;
    Ok(Reply::changed(json!({})))
}

fn untag_resource(
    context: &OperationContext<'_>,
    resource_arn: &str,
    query: &str,
) -> Result<Reply, ApiError> {
    check(validate::resource_arn("resourceArn", resource_arn))?;
    let keys: Vec<String> = query_pairs(query)
        .into_iter()
        .filter(|(name, _)| name == "tagKeys")
        .map(|(_, value)| value)
        .collect();
    if keys.is_empty() {
        return Err(ApiError::invalid_field("tagKeys", "is required"));
    }
    check(validate::tag_keys("tagKeys", &keys))?;
    context.store.untag_resource(resource_arn, &keys)?;
    Ok(Reply::changed(json!({})))
}

fn list_tags_for_resource(
    context: &OperationContext<'_>,
    resource_arn: &str,
) -> Result<Reply, ApiError> {
    check(validate::resource_arn("resourceArn", resource_arn))?;
    let tags = context.store.tags(resource_arn)?;
    Ok(Reply::read(json!({ "tags": tags })))
}

/// The `destinationConfiguration` union, validated as a whole by the shared rule.
fn destination(request: &JsonObject, required: bool) -> Result<Option<Destination>, ApiError> {
    let member = "destinationConfiguration";
    let Some(union) = request.optional_object(member)? else {
        return if required {
            Err(ApiError::invalid_field(member, "is required"))
        } else {
            Ok(None)
        };
    };
    let inner = |variant: &str, name: &str| -> Result<Option<String>, ApiError> {
        match union.optional_object(variant)? {
            None => Ok(None),
            Some(object) => object.required_string(name).map(Some),
        }
    };
    let s3 = inner("s3", "bucketName")?;
    let cloud_watch_logs = inner("cloudWatchLogs", "logGroupName")?;
    let firehose = inner("firehose", "deliveryStreamName")?;
    check(validate::destination_configuration(
        member,
        s3.as_deref(),
        cloud_watch_logs.as_deref(),
        firehose.as_deref(),
    ))?;
    let destination = match (s3, cloud_watch_logs, firehose) {
        (Some(bucket_name), _, _) => Destination::S3 { bucket_name },
        (_, Some(log_group_name), _) => Destination::CloudWatchLogs { log_group_name },
        (_, _, Some(delivery_stream_name)) => Destination::Firehose {
            delivery_stream_name,
        },
        (None, None, None) => {
            return Err(ApiError::invalid_field(
                member,
                "must set exactly one of s3, cloudWatchLogs and firehose",
            ));
        }
    };
    Ok(Some(destination))
}

fn create_logging_configuration(
    context: &OperationContext<'_>,
    request: &JsonObject,
) -> Result<Reply, ApiError> {
    let name = optional_name(request)?.unwrap_or_default();
    let destination = destination(request, true)?
        .ok_or_else(|| ApiError::invalid_field("destinationConfiguration", "is required"))?;
    let tags = optional_tags(request)?.unwrap_or_default();
    let config = context
        .store
        .create_logging_configuration(name, destination, tags)?;
    Ok(Reply::changed(wire::logging_configuration(&config)))
}

fn get_logging_configuration(
    context: &OperationContext<'_>,
    request: &JsonObject,
) -> Result<Reply, ApiError> {
    let identifier = logging_configuration_identifier(request)?;
    let config = context.store.get_logging_configuration(&identifier)?;
    Ok(Reply::read(wire::logging_configuration(&config)))
}

fn update_logging_configuration(
    context: &OperationContext<'_>,
    request: &JsonObject,
) -> Result<Reply, ApiError> {
    let identifier = logging_configuration_identifier(request)?;
    let name = optional_name(request)?;
    let destination = destination(request, false)?;
    let config = context
        .store
        .update_logging_configuration(&identifier, name, destination)?;
    Ok(Reply::changed(wire::logging_configuration(&config)))
}

fn delete_logging_configuration(
    context: &OperationContext<'_>,
    request: &JsonObject,
) -> Result<Reply, ApiError> {
    let identifier = logging_configuration_identifier(request)?;
    context.store.delete_logging_configuration(&identifier)?;
    Ok(Reply::deleted())
}

fn list_logging_configurations(
    context: &OperationContext<'_>,
    request: &JsonObject,
) -> Result<Reply, ApiError> {
    let scope = "logging-configurations";
    let (max, after) = page_request(context, request, scope)?;
    let page = context
        .store
        .list_logging_configurations(after.as_ref(), max);
    let mut body = json!({
        "loggingConfigurations": page.items.iter().map(wire::logging_configuration).collect::<Vec<_>>()
    });
    if let Some(next) = page.next {
        body["nextToken"] = json!(context.pages.encode(scope, &next));
    }
    Ok(Reply::read(body))
}
