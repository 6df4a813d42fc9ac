//! Translation between the SDK's types and this crate's: results in, errors mapped.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_ivschat::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ivschat::types as sdk;
use aws_sdk_ivschat::types::error as sdk_error;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::DateTime;
use time::OffsetDateTime;

use crate::error::{IvsChatError, ValidationField};
use crate::ids::{LoggingConfigurationArn, RoomArn};
use crate::model::{
    Capability, Destination, FallbackResult, LoggingConfiguration, LoggingConfigurationState,
    MessageReviewHandler, Room, RoomSummary,
};

/// A required member the service left out of a response.
pub(crate) fn missing(operation: &str, member: &str) -> IvsChatError {
    IvsChatError::Unknown {
        code: None,
        message: format!("{operation} response has no {member}"),
    }
}

pub(crate) fn timestamp(
    operation: &str,
    member: &str,
    value: Option<&DateTime>,
) -> Result<OffsetDateTime, IvsChatError> {
    let value = value.ok_or_else(|| missing(operation, member))?;
    let nanos = i128::from(value.secs()) * 1_000_000_000 + i128::from(value.subsec_nanos());
    OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| IvsChatError::Unknown {
        code: None,
        message: format!("{operation} response has an out-of-range {member}"),
    })
}

pub(crate) fn tags(value: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    value
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

pub(crate) fn to_hash_map(value: &BTreeMap<String, String>) -> HashMap<String, String> {
    value.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

pub(crate) fn room_arn(operation: &str, value: Option<&str>) -> Result<RoomArn, IvsChatError> {
    let value = value.ok_or_else(|| missing(operation, "arn"))?;
    RoomArn::parse("arn", value).map_err(|v| IvsChatError::Unknown {
        code: None,
        message: format!("{operation} returned a malformed room ARN ({v})"),
    })
}

pub(crate) fn logging_arns(
    operation: &str,
    values: &[String],
) -> Result<Vec<LoggingConfigurationArn>, IvsChatError> {
    values
        .iter()
        .map(|value| logging_arn(operation, Some(value)))
        .collect()
}

pub(crate) fn logging_arn(
    operation: &str,
    value: Option<&str>,
) -> Result<LoggingConfigurationArn, IvsChatError> {
    let value = value.ok_or_else(|| missing(operation, "arn"))?;
    LoggingConfigurationArn::parse("arn", value).map_err(|v| IvsChatError::Unknown {
        code: None,
        message: format!("{operation} returned a malformed logging-configuration ARN ({v})"),
    })
}

pub(crate) fn handler(value: Option<&sdk::MessageReviewHandler>) -> Option<MessageReviewHandler> {
    let value = value?;
    let uri = value.uri().unwrap_or_default();
    if uri.is_empty() {
        return None;
    }
    Some(MessageReviewHandler {
        uri: uri.to_owned(),
        fallback_result: match value.fallback_result() {
            Some(sdk::FallbackResult::Deny) => FallbackResult::Deny,
            _ => FallbackResult::Allow,
        },
    })
}

pub(crate) fn to_sdk_handler(value: &MessageReviewHandler) -> sdk::MessageReviewHandler {
    sdk::MessageReviewHandler::builder()
        .uri(&value.uri)
        .fallback_result(match value.fallback_result {
            FallbackResult::Allow => sdk::FallbackResult::Allow,
            FallbackResult::Deny => sdk::FallbackResult::Deny,
        })
        .build()
}

pub(crate) fn to_sdk_capability(value: Capability) -> sdk::ChatTokenCapability {
    match value {
        Capability::SendMessage => sdk::ChatTokenCapability::SendMessage,
        Capability::DisconnectUser => sdk::ChatTokenCapability::DisconnectUser,
        Capability::DeleteMessage => sdk::ChatTokenCapability::DeleteMessage,
    }
}

pub(crate) fn to_sdk_destination(
    value: &Destination,
) -> Result<sdk::DestinationConfiguration, IvsChatError> {
    let build_failed = |e: aws_smithy_types::error::operation::BuildError| {
        IvsChatError::InvalidInput(crate::validate::Violation::new(
            "destinationConfiguration",
            e.to_string(),
        ))
    };
    Ok(match value {
        Destination::S3 { bucket_name } => sdk::DestinationConfiguration::S3(
            sdk::S3DestinationConfiguration::builder()
                .bucket_name(bucket_name)
                .build()
                .map_err(build_failed)?,
        ),
        Destination::CloudWatchLogs { log_group_name } => {
            sdk::DestinationConfiguration::CloudWatchLogs(
                sdk::CloudWatchLogsDestinationConfiguration::builder()
                    .log_group_name(log_group_name)
                    .build()
                    .map_err(build_failed)?,
            )
        }
        Destination::Firehose {
            delivery_stream_name,
        } => sdk::DestinationConfiguration::Firehose(
            sdk::FirehoseDestinationConfiguration::builder()
                .delivery_stream_name(delivery_stream_name)
                .build()
                .map_err(build_failed)?,
        ),
    })
}

pub(crate) fn destination(
    operation: &str,
    value: Option<&sdk::DestinationConfiguration>,
) -> Result<Destination, IvsChatError> {
    match value {
        Some(sdk::DestinationConfiguration::S3(s3)) => Ok(Destination::S3 {
            bucket_name: s3.bucket_name().to_owned(),
        }),
        Some(sdk::DestinationConfiguration::CloudWatchLogs(cw)) => {
            Ok(Destination::CloudWatchLogs {
                log_group_name: cw.log_group_name().to_owned(),
            })
        }
        Some(sdk::DestinationConfiguration::Firehose(fh)) => Ok(Destination::Firehose {
            delivery_stream_name: fh.delivery_stream_name().to_owned(),
        }),
        _ => Err(missing(operation, "destinationConfiguration")),
    }
}

/// The state from its wire spelling; the Create and Update outputs use their own one-value
/// enums, so all three arrive here as text. Unknown future states read as `Active`.
pub(crate) fn state(value: Option<&str>) -> LoggingConfigurationState {
    use LoggingConfigurationState as S;
    match value {
        Some("CREATING") => S::Creating,
        Some("CREATE_FAILED") => S::CreateFailed,
        Some("DELETING") => S::Deleting,
        Some("DELETE_FAILED") => S::DeleteFailed,
        Some("UPDATING") => S::Updating,
        Some("UPDATE_FAILED") => S::UpdateFailed,
        _ => S::Active,
    }
}

/// The members every room-returning output shares, so one function converts them all.
pub(crate) struct RoomParts<'a> {
    pub operation: &'a str,
    pub arn: Option<&'a str>,
    pub id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub create_time: Option<&'a DateTime>,
    pub update_time: Option<&'a DateTime>,
    pub maximum_message_rate_per_second: Option<i32>,
    pub maximum_message_length: Option<i32>,
    pub message_review_handler: Option<&'a sdk::MessageReviewHandler>,
    pub tags: Option<&'a HashMap<String, String>>,
    pub logging_configuration_identifiers: &'a [String],
}

impl RoomParts<'_> {
    pub(crate) fn into_room(self) -> Result<Room, IvsChatError> {
        let op = self.operation;
        Ok(Room {
            arn: room_arn(op, self.arn)?,
            id: self.id.ok_or_else(|| missing(op, "id"))?.to_owned(),
            name: self.name.unwrap_or_default().to_owned(),
            create_time: timestamp(op, "createTime", self.create_time)?,
            update_time: timestamp(op, "updateTime", self.update_time)?,
            // The service always sends both; its documented defaults stand in if it does not.
            maximum_message_rate_per_second: self
                .maximum_message_rate_per_second
                .unwrap_or(10)
                .into(),
            maximum_message_length: self.maximum_message_length.unwrap_or(500).into(),
            message_review_handler: handler(self.message_review_handler),
            tags: tags(self.tags),
            logging_configuration_identifiers: logging_arns(
                op,
                self.logging_configuration_identifiers,
            )?,
        })
    }
}

pub(crate) fn room_summary(value: &sdk::RoomSummary) -> Result<RoomSummary, IvsChatError> {
    let op = "ListRooms";
    Ok(RoomSummary {
        arn: room_arn(op, value.arn())?,
        id: value.id().ok_or_else(|| missing(op, "id"))?.to_owned(),
        name: value.name().unwrap_or_default().to_owned(),
        create_time: timestamp(op, "createTime", value.create_time())?,
        update_time: timestamp(op, "updateTime", value.update_time())?,
        message_review_handler: handler(value.message_review_handler()),
        tags: tags(value.tags()),
        logging_configuration_identifiers: logging_arns(
            op,
            value.logging_configuration_identifiers(),
        )?,
    })
}

/// The members every logging-configuration output shares.
pub(crate) struct LoggingParts<'a> {
    pub operation: &'a str,
    pub arn: Option<&'a str>,
    pub id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub destination: Option<&'a sdk::DestinationConfiguration>,
    pub state: LoggingConfigurationState,
    pub tags: Option<&'a HashMap<String, String>>,
    pub create_time: Option<&'a DateTime>,
    pub update_time: Option<&'a DateTime>,
}

impl LoggingParts<'_> {
    pub(crate) fn into_logging_configuration(self) -> Result<LoggingConfiguration, IvsChatError> {
        let op = self.operation;
        Ok(LoggingConfiguration {
            arn: logging_arn(op, self.arn)?,
            id: self.id.ok_or_else(|| missing(op, "id"))?.to_owned(),
            name: self.name.unwrap_or_default().to_owned(),
            destination_configuration: destination(op, self.destination)?,
            state: self.state,
            tags: tags(self.tags),
            create_time: timestamp(op, "createTime", self.create_time)?,
            update_time: timestamp(op, "updateTime", self.update_time)?,
        })
    }
}

// --- errors -------------------------------------------------------------------------------

impl From<sdk_error::AccessDeniedException> for IvsChatError {
    fn from(e: sdk_error::AccessDeniedException) -> Self {
        Self::AccessDenied {
            message: e.message().to_owned(),
        }
    }
}

impl From<sdk_error::ConflictException> for IvsChatError {
    fn from(e: sdk_error::ConflictException) -> Self {
        Self::Conflict {
            message: e.message().to_owned(),
            resource_id: e.resource_id().to_owned(),
            resource_type: e.resource_type().as_str().to_owned(),
        }
    }
}

impl From<sdk_error::InternalServerException> for IvsChatError {
    fn from(e: sdk_error::InternalServerException) -> Self {
        Self::InternalServer {
            message: e.message().to_owned(),
        }
    }
}

impl From<sdk_error::PendingVerification> for IvsChatError {
    fn from(e: sdk_error::PendingVerification) -> Self {
        Self::PendingVerification {
            message: e.message().to_owned(),
        }
    }
}

impl From<sdk_error::ResourceNotFoundException> for IvsChatError {
    fn from(e: sdk_error::ResourceNotFoundException) -> Self {
        Self::ResourceNotFound {
            message: e.message().to_owned(),
            resource_id: e.resource_id().to_owned(),
            resource_type: e.resource_type().as_str().to_owned(),
        }
    }
}

impl From<sdk_error::ServiceQuotaExceededException> for IvsChatError {
    fn from(e: sdk_error::ServiceQuotaExceededException) -> Self {
        Self::ServiceQuotaExceeded {
            message: e.message().to_owned(),
            resource_id: e.resource_id().to_owned(),
            resource_type: e.resource_type().as_str().to_owned(),
            limit: e.limit(),
        }
    }
}

impl From<sdk_error::ThrottlingException> for IvsChatError {
    fn from(e: sdk_error::ThrottlingException) -> Self {
        Self::Throttling {
            message: e.message().to_owned(),
            resource_id: e.resource_id().to_owned(),
            resource_type: e.resource_type().as_str().to_owned(),
            limit: e.limit(),
        }
    }
}

impl From<sdk_error::ValidationException> for IvsChatError {
    fn from(e: sdk_error::ValidationException) -> Self {
        Self::Validation {
            message: e.message().to_owned(),
            reason: e.reason().as_str().to_owned(),
            fields: e
                .field_list()
                .iter()
                .map(|f| ValidationField {
                    name: f.name().to_owned(),
                    message: f.message().to_owned(),
                })
                .collect(),
        }
    }
}

/// An error the operation's model does not list (e.g. throttling on CreateChatToken), mapped by
/// its code so that retryability stays right. Its members are filled in from the raw body by
/// [`sdk_failure`] where the SDK could not parse them.
pub(crate) fn unmodeled(err: &impl ProvideErrorMetadata) -> IvsChatError {
    let message = err.message().unwrap_or("no message").to_owned();
    let code = err.code().map(str::to_owned);
    let empty = String::new;
    match code.as_deref() {
        Some("ThrottlingException" | "TooManyRequestsException") => IvsChatError::Throttling {
            message,
            resource_id: empty(),
            resource_type: empty(),
            limit: 0,
        },
        Some("InternalServerException" | "InternalFailure" | "ServiceUnavailableException") => {
            IvsChatError::InternalServer { message }
        }
        Some("AccessDeniedException") => IvsChatError::AccessDenied { message },
        Some("PendingVerification") => IvsChatError::PendingVerification { message },
        Some("ResourceNotFoundException") => IvsChatError::ResourceNotFound {
            message,
            resource_id: empty(),
            resource_type: empty(),
        },
        Some("ConflictException") => IvsChatError::Conflict {
            message,
            resource_id: empty(),
            resource_type: empty(),
        },
        Some("ServiceQuotaExceededException") => IvsChatError::ServiceQuotaExceeded {
            message,
            resource_id: empty(),
            resource_type: empty(),
            limit: 0,
        },
        Some("ValidationException") => IvsChatError::Validation {
            message,
            reason: "OTHER".into(),
            fields: Vec::new(),
        },
        _ => IvsChatError::Unknown { code, message },
    }
}

/// The error members restJson1 puts in the body, read leniently from the raw response.
#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawErrorMembers {
    #[serde(default)]
    resource_id: Option<String>,
    #[serde(default)]
    resource_type: Option<String>,
    #[serde(default)]
    limit: Option<i32>,
    #[serde(default)]
    reason: Option<String>,
}

/// Fills members an unmodeled error lost (the SDK parses only an operation's modeled errors).
fn fill_from_body(err: &mut IvsChatError, body: Option<&[u8]>) {
    let Some(members) = body.and_then(|b| serde_json::from_slice::<RawErrorMembers>(b).ok()) else {
        return;
    };
    let fill = |slot: &mut String, value: &Option<String>| {
        if slot.is_empty()
            && let Some(value) = value
        {
            slot.clone_from(value);
        }
    };
    match err {
        IvsChatError::Throttling {
            resource_id,
            resource_type,
            limit,
            ..
        }
        | IvsChatError::ServiceQuotaExceeded {
            resource_id,
            resource_type,
            limit,
            ..
        } => {
            fill(resource_id, &members.resource_id);
            fill(resource_type, &members.resource_type);
            if *limit == 0 {
                *limit = members.limit.unwrap_or(0);
            }
        }
        IvsChatError::ResourceNotFound {
            resource_id,
            resource_type,
            ..
        }
        | IvsChatError::Conflict {
            resource_id,
            resource_type,
            ..
        } => {
            fill(resource_id, &members.resource_id);
            fill(resource_type, &members.resource_type);
        }
        IvsChatError::Validation { reason, .. } => {
            if let Some(value) = members.reason {
                *reason = value;
            }
        }
        _ => {}
    }
}

/// Implements `From<OperationError>` by naming the operation's modeled exceptions; anything
/// else goes through [`unmodeled`].
macro_rules! map_operation_errors {
    ($($module:ident :: $error:ident { $($variant:ident),+ $(,)? })+) => {$(
        impl From<aws_sdk_ivschat::operation::$module::$error> for IvsChatError {
            fn from(err: aws_sdk_ivschat::operation::$module::$error) -> Self {
                use aws_sdk_ivschat::operation::$module::$error as E;
                match err {
                    $(E::$variant(e) => e.into(),)+
                    other => unmodeled(&other),
                }
            }
        }
    )+};
}

map_operation_errors! {
    create_chat_token::CreateChatTokenError { AccessDeniedException, PendingVerification, ResourceNotFoundException, ValidationException }
    create_logging_configuration::CreateLoggingConfigurationError { AccessDeniedException, ConflictException, PendingVerification, ResourceNotFoundException, ServiceQuotaExceededException, ValidationException }
    create_room::CreateRoomError { AccessDeniedException, ConflictException, PendingVerification, ResourceNotFoundException, ServiceQuotaExceededException, ValidationException }
    delete_logging_configuration::DeleteLoggingConfigurationError { AccessDeniedException, ConflictException, PendingVerification, ResourceNotFoundException, ValidationException }
    delete_message::DeleteMessageError { AccessDeniedException, PendingVerification, ResourceNotFoundException, ThrottlingException, ValidationException }
    delete_room::DeleteRoomError { AccessDeniedException, PendingVerification, ResourceNotFoundException, ValidationException }
    disconnect_user::DisconnectUserError { AccessDeniedException, PendingVerification, ResourceNotFoundException, ThrottlingException, ValidationException }
    get_logging_configuration::GetLoggingConfigurationError { AccessDeniedException, ResourceNotFoundException, ValidationException }
    get_room::GetRoomError { AccessDeniedException, ResourceNotFoundException, ValidationException }
    list_logging_configurations::ListLoggingConfigurationsError { AccessDeniedException, ValidationException }
    list_rooms::ListRoomsError { AccessDeniedException, ResourceNotFoundException, ValidationException }
    list_tags_for_resource::ListTagsForResourceError { InternalServerException, ResourceNotFoundException, ValidationException }
    send_event::SendEventError { AccessDeniedException, PendingVerification, ResourceNotFoundException, ThrottlingException, ValidationException }
    tag_resource::TagResourceError { InternalServerException, ResourceNotFoundException, ValidationException }
    untag_resource::UntagResourceError { InternalServerException, ResourceNotFoundException, ValidationException }
    update_logging_configuration::UpdateLoggingConfigurationError { AccessDeniedException, ConflictException, PendingVerification, ResourceNotFoundException, ValidationException }
    update_room::UpdateRoomError { AccessDeniedException, PendingVerification, ResourceNotFoundException, ValidationException }
}

/// Maps any SDK failure of an operation to [`IvsChatError`].
pub(crate) fn sdk_failure<E>(err: SdkError<E, HttpResponse>) -> IvsChatError
where
    E: Into<IvsChatError> + ProvideErrorMetadata + std::error::Error + 'static,
{
    let detail = describe_chain(&err);
    match err {
        SdkError::ServiceError(context) => {
            let body = context.raw().body().bytes().map(<[u8]>::to_vec);
            let mut mapped: IvsChatError = context.into_err().into();
            fill_from_body(&mut mapped, body.as_deref());
            mapped
        }
        SdkError::TimeoutError(_) => IvsChatError::Timeout {
            message: "the operation did not finish within its timeout".into(),
        },
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            IvsChatError::Timeout { message: detail }
        }
        SdkError::DispatchFailure(_) => IvsChatError::Transport { message: detail },
        SdkError::ResponseError(failure) => IvsChatError::Transport {
            message: format!(
                "unreadable response (HTTP {}): {detail}",
                failure.raw().status().as_u16()
            ),
        },
        _ => IvsChatError::Unknown {
            code: None,
            message: detail,
        },
    }
}

fn describe_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
