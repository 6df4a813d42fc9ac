//! [`ChatClient`]: one validated method per IVS Chat operation.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_ivschat::config::{Credentials, Region};
use futures::{Stream, StreamExt};

use crate::convert::{self, LoggingParts, RoomParts, sdk_failure};
use crate::error::IvsChatError;
use crate::ids::{LoggingConfigurationArn, ResourceArn, RoomArn};
use crate::model::{
    ChatToken, CreateChatTokenRequest, CreateLoggingConfigurationRequest, CreateRoomRequest,
    DeleteMessageRequest, DisconnectUserRequest, ListRoomsRequest, LoggingConfiguration,
    LoggingConfigurationPage, Room, RoomPage, RoomSummary, SendEventRequest, TagResourceRequest,
    UntagResourceRequest, UpdateLoggingConfigurationRequest, UpdateRoomRequest,
};
use crate::validate;

/// The list cap suggested for callers with no better number: a hundred pages of 50.
pub const DEFAULT_LIST_CAP: usize = 5_000;

/// Timeouts and retries for a [`ChatClient`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSettings {
    /// Longest wait to open a connection.
    pub connect_timeout: Duration,
    /// Longest wait for one attempt of an operation.
    pub operation_attempt_timeout: Duration,
    /// Longest wait for an operation, retries included.
    pub operation_timeout: Duration,
    /// Attempts per operation in standard retry mode (1 disables retries).
    pub max_attempts: u32,
}

impl Default for ClientSettings {
    /// 3 s to connect, 5 s per attempt, 15 s in all, 3 attempts.
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            operation_attempt_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(15),
            max_attempts: 3,
        }
    }
}

impl ClientSettings {
    /// For the functions behind API Gateway (token API, moderation API), whose Lambda timeout
    /// is 10 s and whose callers wait: 1 s to connect, 1.5 s per attempt, 3 s in all, 2
    /// attempts. A request makes at most two IVS Chat calls (the cached room check, then the
    /// action) plus state-table calls of under a second each, so a hung IVS Chat endpoint ends
    /// in the documented 502 well before Lambda's timeout.
    pub fn request_path() -> Self {
        Self {
            connect_timeout: Duration::from_secs(1),
            operation_attempt_timeout: Duration::from_millis(1500),
            operation_timeout: Duration::from_secs(3),
            max_attempts: 2,
        }
    }

    fn retry_config(&self) -> RetryConfig {
        RetryConfig::standard().with_max_attempts(self.max_attempts.max(1))
    }

    fn timeout_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect_timeout)
            .operation_attempt_timeout(self.operation_attempt_timeout)
            .operation_timeout(self.operation_timeout)
            .build()
    }
}

/// Converts a CreateRoom, GetRoom or UpdateRoom output (distinct SDK types with the same
/// accessors) into a [`Room`].
macro_rules! room_from_output {
    ($operation:literal, $out:expr) => {{
        let out = &$out;
        RoomParts {
            operation: $operation,
            arn: out.arn(),
            id: out.id(),
            name: out.name(),
            create_time: out.create_time(),
            update_time: out.update_time(),
            maximum_message_rate_per_second: out.maximum_message_rate_per_second(),
            maximum_message_length: out.maximum_message_length(),
            message_review_handler: out.message_review_handler(),
            tags: out.tags(),
            logging_configuration_identifiers: out.logging_configuration_identifiers(),
        }
        .into_room()
    }};
}

/// Converts any output or summary carrying a logging configuration's members into a
/// [`LoggingConfiguration`].
macro_rules! logging_configuration_from_output {
    ($operation:literal, $out:expr) => {{
        let out = &$out;
        LoggingParts {
            operation: $operation,
            arn: out.arn(),
            id: out.id(),
            name: out.name(),
            destination: out.destination_configuration(),
            state: convert::state(out.state().map(|s| s.as_str())),
            tags: out.tags(),
            create_time: out.create_time(),
            update_time: out.update_time(),
        }
        .into_logging_configuration()
    }};
}

/// The project's only way to call IVS Chat: validates input before sending, maps every failure
/// to [`IvsChatError`], and pages with explicit caps. Build it once per cold start and share it;
/// cloning is cheap.
#[derive(Debug, Clone)]
pub struct ChatClient {
    sdk: aws_sdk_ivschat::Client,
    /// The endpoint the SDK was pointed at, when not the Region's own (for presigning).
    endpoint_override: Option<String>,
    /// The SDK's credentials provider (for presigning; the SDK config does not expose it).
    credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
}

impl ChatClient {
    /// A client from the standard AWS configuration chain: region, credentials, and
    /// `AWS_ENDPOINT_URL_IVSCHAT` / `AWS_ENDPOINT_URL` for a custom endpoint.
    pub async fn from_env(settings: ClientSettings) -> Self {
        Self::from_sdk_config(&crate::transport::load_sdk_config().await, settings)
    }

    /// A client from an AWS configuration loaded once per cold start (region, credentials,
    /// endpoint), with `settings`' retries and timeouts.
    pub fn from_sdk_config(config: &aws_config::SdkConfig, settings: ClientSettings) -> Self {
        // The endpoint the SDK itself resolves from this configuration: the IVS Chat one
        // (`AWS_ENDPOINT_URL_IVSCHAT`, or `endpoint_url` in the profile's ivschat section), else
        // the global one.
        let endpoint_override = config
            .service_config()
            .and_then(|service| {
                service.load_config(
                    aws_types::service_config::ServiceConfigKey::builder()
                        .service_id("ivschat")
                        .env("AWS_ENDPOINT_URL")
                        .profile("endpoint_url")
                        .build()
                        .ok()?,
                )
            })
            .or_else(|| config.endpoint_url().map(str::to_owned));
        let sdk_config = aws_sdk_ivschat::config::Builder::from(config)
            .retry_config(settings.retry_config())
            .timeout_config(settings.timeout_config())
            .build();
        Self {
            sdk: aws_sdk_ivschat::Client::from_conf(sdk_config),
            endpoint_override,
            credentials: config.credentials_provider(),
        }
    }

    /// A client for an explicit endpoint with static credentials: for the local emulator and
    /// tests.
    pub fn for_endpoint(
        endpoint_url: &str,
        region: &str,
        access_key_id: &str,
        secret_access_key: &str,
        settings: ClientSettings,
    ) -> Self {
        let credentials = aws_credential_types::provider::SharedCredentialsProvider::new(
            Credentials::new(access_key_id, secret_access_key, None, None, "static"),
        );
        let config = aws_sdk_ivschat::Config::builder()
            .behavior_version(crate::transport::behavior_version())
            .http_client(crate::transport::https_client())
            .region(Region::new(region.to_owned()))
            .credentials_provider(credentials.clone())
            .endpoint_url(endpoint_url)
            .retry_config(settings.retry_config())
            .timeout_config(settings.timeout_config())
            .build();
        Self {
            sdk: aws_sdk_ivschat::Client::from_conf(config),
            endpoint_override: Some(endpoint_url.to_owned()),
            credentials: Some(credentials),
        }
    }

    /// Wraps an SDK client built elsewhere (e.g. a mocked one in tests).
    pub fn from_sdk_client(sdk: aws_sdk_ivschat::Client) -> Self {
        Self {
            sdk,
            endpoint_override: None,
            credentials: None,
        }
    }

    /// A presigned request for `operation` (its name in the API reference, e.g. `CreateRoom`)
    /// with `input` (the request members as named on the wire, e.g.
    /// `{"roomIdentifier": "arn:…", "userId": "u1"}`), valid for `expires_in` (1 s to 7 days):
    /// whoever holds it can make that one call with this client's credentials until it expires.
    /// The endpoint is the one this client calls (`https://ivschat.REGION.amazonaws.com` unless
    /// overridden). Fails on an unknown operation, an input of the wrong shape, an expiry out of
    /// range, or missing Region or credentials.
    pub async fn presign(
        &self,
        operation: &str,
        input: &serde_json::Value,
        expires_in: Duration,
    ) -> Result<crate::presign::PresignedRequest, IvsChatError> {
        let call = crate::presign::http_call(operation, input)?;
        let config = self.sdk.config();
        let region =
            config
                .region()
                .map(ToString::to_string)
                .ok_or_else(|| IvsChatError::Unknown {
                    code: Some("RegionMissing".into()),
                    message: "presigning needs a Region; set AWS_REGION".into(),
                })?;
        let provider = self
            .credentials
            .as_ref()
            .ok_or_else(|| IvsChatError::Unknown {
                code: Some("CredentialsUnavailable".into()),
                message:
                    "presigning needs credentials; a client wrapping a prebuilt SDK client has none"
                        .into(),
            })?;
        let identity = crate::presign::identity_from(provider).await?;
        let endpoint = self
            .endpoint_override
            .clone()
            .unwrap_or_else(|| format!("https://ivschat.{region}.amazonaws.com"));
        crate::presign::sign_call(
            &call,
            &endpoint,
            &identity,
            &region,
            std::time::SystemTime::now(),
            expires_in,
        )
    }

    /// CreateChatToken: a single-use token for `request.user_id` in `request.room`.
    pub async fn create_chat_token(
        &self,
        request: &CreateChatTokenRequest,
    ) -> Result<ChatToken, IvsChatError> {
        request.validate()?;
        let out = self
            .sdk
            .create_chat_token()
            .room_identifier(request.room.as_str())
            .user_id(&request.user_id)
            .set_capabilities(Some(
                request
                    .capabilities
                    .iter()
                    .copied()
                    .map(convert::to_sdk_capability)
                    .collect(),
            ))
            .set_session_duration_in_minutes(to_i32(request.session_duration_in_minutes))
            .set_attributes(non_empty(&request.attributes))
            .send()
            .await
            .map_err(sdk_failure)?;
        let op = "CreateChatToken";
        Ok(ChatToken {
            token: out
                .token()
                .ok_or_else(|| convert::missing(op, "token"))?
                .to_owned(),
            token_expiration_time: convert::timestamp(
                op,
                "tokenExpirationTime",
                out.token_expiration_time(),
            )?,
            session_expiration_time: convert::timestamp(
                op,
                "sessionExpirationTime",
                out.session_expiration_time(),
            )?,
        })
    }

    /// CreateRoom.
    pub async fn create_room(&self, request: &CreateRoomRequest) -> Result<Room, IvsChatError> {
        request.validate()?;
        let out = self
            .sdk
            .create_room()
            .set_name(request.name.clone())
            .set_maximum_message_rate_per_second(to_i32(request.maximum_message_rate_per_second))
            .set_maximum_message_length(to_i32(request.maximum_message_length))
            .set_message_review_handler(
                request
                    .message_review_handler
                    .as_ref()
                    .map(convert::to_sdk_handler),
            )
            .set_tags(non_empty(&request.tags))
            .set_logging_configuration_identifiers(non_empty_arns(
                &request.logging_configuration_identifiers,
            ))
            .send()
            .await
            .map_err(sdk_failure)?;
        room_from_output!("CreateRoom", out)
    }

    /// GetRoom.
    pub async fn get_room(&self, room: &RoomArn) -> Result<Room, IvsChatError> {
        let out = self
            .sdk
            .get_room()
            .identifier(room.as_str())
            .send()
            .await
            .map_err(sdk_failure)?;
        room_from_output!("GetRoom", out)
    }

    /// UpdateRoom. Tags are changed with [`ChatClient::tag_resource`], not here.
    pub async fn update_room(&self, request: &UpdateRoomRequest) -> Result<Room, IvsChatError> {
        request.validate()?;
        let out = self
            .sdk
            .update_room()
            .identifier(request.room.as_str())
            .set_name(request.name.clone())
            .set_maximum_message_rate_per_second(to_i32(request.maximum_message_rate_per_second))
            .set_maximum_message_length(to_i32(request.maximum_message_length))
            .set_message_review_handler(
                request
                    .message_review_handler
                    .as_ref()
                    .map(convert::to_sdk_handler),
            )
            .set_logging_configuration_identifiers(
                request
                    .logging_configuration_identifiers
                    .as_ref()
                    .map(|arns| arns.iter().map(|a| a.as_str().to_owned()).collect()),
            )
            .send()
            .await
            .map_err(sdk_failure)?;
        room_from_output!("UpdateRoom", out)
    }

    /// DeleteRoom.
    pub async fn delete_room(&self, room: &RoomArn) -> Result<(), IvsChatError> {
        self.sdk
            .delete_room()
            .identifier(room.as_str())
            .send()
            .await
            .map_err(sdk_failure)?;
        Ok(())
    }

    /// ListRooms: one page, starting at `next_token` (None for the first page).
    pub async fn list_rooms(
        &self,
        request: &ListRoomsRequest,
        next_token: Option<&str>,
    ) -> Result<RoomPage, IvsChatError> {
        request.validate()?;
        if let Some(token) = next_token {
            validate::pagination_token("nextToken", token)?;
        }
        let out = self
            .sdk
            .list_rooms()
            .set_name(request.name.clone())
            .set_message_review_handler_uri(request.message_review_handler_uri.clone())
            .set_logging_configuration_identifier(
                request
                    .logging_configuration_identifier
                    .as_ref()
                    .map(|a| a.as_str().to_owned()),
            )
            .set_max_results(to_i32(request.max_results))
            .set_next_token(next_token.map(str::to_owned))
            .send()
            .await
            .map_err(sdk_failure)?;
        Ok(RoomPage {
            rooms: out
                .rooms()
                .iter()
                .map(convert::room_summary)
                .collect::<Result<_, _>>()?,
            next_token: out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        })
    }

    /// ListRooms as a stream of pages; it ends after the last page, or with an error if the
    /// service hands back a token it already gave.
    pub fn list_rooms_pages(
        &self,
        request: ListRoomsRequest,
    ) -> impl Stream<Item = Result<RoomPage, IvsChatError>> + '_ {
        paginate(move |token| {
            let request = request.clone();
            async move {
                let page = self.list_rooms(&request, token.as_deref()).await?;
                let next = page.next_token.clone();
                Ok((page, next))
            }
        })
    }

    /// Every room matching `request`, across all pages; fails with
    /// [`IvsChatError::TooManyResults`] rather than return more than `cap` rooms.
    pub async fn list_all_rooms(
        &self,
        request: &ListRoomsRequest,
        cap: usize,
    ) -> Result<Vec<RoomSummary>, IvsChatError> {
        collect_all_pages(cap, |token| async move {
            let page = self.list_rooms(request, token.as_deref()).await?;
            Ok((page.rooms, page.next_token))
        })
        .await
    }

    /// DeleteMessage: tells clients to remove a message; returns the operation id.
    pub async fn delete_message(
        &self,
        request: &DeleteMessageRequest,
    ) -> Result<String, IvsChatError> {
        request.validate()?;
        let out = self
            .sdk
            .delete_message()
            .room_identifier(request.room.as_str())
            .id(&request.message_id)
            .set_reason(request.reason.clone())
            .send()
            .await
            .map_err(sdk_failure)?;
        out.id()
            .map(str::to_owned)
            .ok_or_else(|| convert::missing("DeleteMessage", "id"))
    }

    /// DisconnectUser: closes every connection of the user in the room (not a ban).
    pub async fn disconnect_user(
        &self,
        request: &DisconnectUserRequest,
    ) -> Result<(), IvsChatError> {
        request.validate()?;
        self.sdk
            .disconnect_user()
            .room_identifier(request.room.as_str())
            .user_id(&request.user_id)
            .set_reason(request.reason.clone())
            .send()
            .await
            .map_err(sdk_failure)?;
        Ok(())
    }

    /// SendEvent: broadcasts an application event; returns the event id.
    pub async fn send_event(&self, request: &SendEventRequest) -> Result<String, IvsChatError> {
        request.validate()?;
        let out = self
            .sdk
            .send_event()
            .room_identifier(request.room.as_str())
            .event_name(&request.event_name)
            .set_attributes(non_empty(&request.attributes))
            .send()
            .await
            .map_err(sdk_failure)?;
        out.id()
            .map(str::to_owned)
            .ok_or_else(|| convert::missing("SendEvent", "id"))
    }

    /// TagResource: adds or overwrites tags.
    pub async fn tag_resource(&self, request: &TagResourceRequest) -> Result<(), IvsChatError> {
        request.validate()?;
        self.sdk
            .tag_resource()
            .resource_arn(request.resource.as_str())
            .set_tags(Some(convert::to_hash_map(&request.tags)))
            .send()
            .await
            .map_err(sdk_failure)?;
        Ok(())
    }

    /// UntagResource: removes the named keys and nothing else.
    pub async fn untag_resource(&self, request: &UntagResourceRequest) -> Result<(), IvsChatError> {
        request.validate()?;
        self.sdk
            .untag_resource()
            .resource_arn(request.resource.as_str())
            .set_tag_keys(Some(request.tag_keys.clone()))
            .send()
            .await
            .map_err(sdk_failure)?;
        Ok(())
    }

    /// ListTagsForResource.
    pub async fn list_tags_for_resource(
        &self,
        resource: &ResourceArn,
    ) -> Result<BTreeMap<String, String>, IvsChatError> {
        let out = self
            .sdk
            .list_tags_for_resource()
            .resource_arn(resource.as_str())
            .send()
            .await
            .map_err(sdk_failure)?;
        Ok(convert::tags(Some(out.tags())))
    }

    /// CreateLoggingConfiguration.
    pub async fn create_logging_configuration(
        &self,
        request: &CreateLoggingConfigurationRequest,
    ) -> Result<LoggingConfiguration, IvsChatError> {
        request.validate()?;
        let out = self
            .sdk
            .create_logging_configuration()
            .set_name(request.name.clone())
            .destination_configuration(convert::to_sdk_destination(&request.destination)?)
            .set_tags(non_empty(&request.tags))
            .send()
            .await
            .map_err(sdk_failure)?;
        logging_configuration_from_output!("CreateLoggingConfiguration", out)
    }

    /// GetLoggingConfiguration.
    pub async fn get_logging_configuration(
        &self,
        logging_configuration: &LoggingConfigurationArn,
    ) -> Result<LoggingConfiguration, IvsChatError> {
        let out = self
            .sdk
            .get_logging_configuration()
            .identifier(logging_configuration.as_str())
            .send()
            .await
            .map_err(sdk_failure)?;
        logging_configuration_from_output!("GetLoggingConfiguration", out)
    }

    /// UpdateLoggingConfiguration. Tags are changed with [`ChatClient::tag_resource`].
    pub async fn update_logging_configuration(
        &self,
        request: &UpdateLoggingConfigurationRequest,
    ) -> Result<LoggingConfiguration, IvsChatError> {
        request.validate()?;
        let destination = request
            .destination
            .as_ref()
            .map(convert::to_sdk_destination)
            .transpose()?;
        let out = self
            .sdk
            .update_logging_configuration()
            .identifier(request.logging_configuration.as_str())
            .set_name(request.name.clone())
            .set_destination_configuration(destination)
            .send()
            .await
            .map_err(sdk_failure)?;
        logging_configuration_from_output!("UpdateLoggingConfiguration", out)
    }

    /// DeleteLoggingConfiguration.
    pub async fn delete_logging_configuration(
        &self,
        logging_configuration: &LoggingConfigurationArn,
    ) -> Result<(), IvsChatError> {
        self.sdk
            .delete_logging_configuration()
            .identifier(logging_configuration.as_str())
            .send()
            .await
            .map_err(sdk_failure)?;
        Ok(())
    }

    /// ListLoggingConfigurations: one page of up to `max_results` (1–50), from `next_token`.
    pub async fn list_logging_configurations(
        &self,
        max_results: Option<i64>,
        next_token: Option<&str>,
    ) -> Result<LoggingConfigurationPage, IvsChatError> {
        if let Some(max) = max_results {
            validate::max_results("maxResults", max)?;
        }
        if let Some(token) = next_token {
            validate::pagination_token("nextToken", token)?;
        }
        let out = self
            .sdk
            .list_logging_configurations()
            .set_max_results(to_i32(max_results))
            .set_next_token(next_token.map(str::to_owned))
            .send()
            .await
            .map_err(sdk_failure)?;
        Ok(LoggingConfigurationPage {
            logging_configurations: out
                .logging_configurations()
                .iter()
                .map(|s| logging_configuration_from_output!("ListLoggingConfigurations", s))
                .collect::<Result<_, _>>()?,
            next_token: out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        })
    }

    /// ListLoggingConfigurations as a stream of pages of up to `max_results`.
    pub fn list_logging_configurations_pages(
        &self,
        max_results: Option<i64>,
    ) -> impl Stream<Item = Result<LoggingConfigurationPage, IvsChatError>> + '_ {
        paginate(move |token| async move {
            let page = self
                .list_logging_configurations(max_results, token.as_deref())
                .await?;
            let next = page.next_token.clone();
            Ok((page, next))
        })
    }

    /// Every logging configuration, across all pages; fails with
    /// [`IvsChatError::TooManyResults`] rather than return more than `cap`.
    pub async fn list_all_logging_configurations(
        &self,
        cap: usize,
    ) -> Result<Vec<LoggingConfiguration>, IvsChatError> {
        collect_all_pages(cap, |token| async move {
            let page = self
                .list_logging_configurations(None, token.as_deref())
                .await?;
            Ok((page.logging_configurations, page.next_token))
        })
        .await
    }
}

/// Where a pagination is: before the first page, at a token, or finished.
enum Cursor {
    Start,
    At(String, Vec<String>),
    Done,
}

/// Turns a page fetcher into a stream of pages that stops after the last page, after the first
/// error, or when the service repeats a token (which would otherwise loop forever).
fn paginate<'a, P, F, Fut>(fetch: F) -> impl Stream<Item = Result<P, IvsChatError>> + 'a
where
    P: 'a,
    F: Fn(Option<String>) -> Fut + 'a,
    Fut: Future<Output = Result<(P, Option<String>), IvsChatError>> + 'a,
{
    futures::stream::unfold((Cursor::Start, fetch), |(cursor, fetch)| async move {
        let (token, mut seen) = match cursor {
            Cursor::Done => return None,
            Cursor::Start => (None, Vec::new()),
            Cursor::At(token, seen) => (Some(token), seen),
        };
        match fetch(token).await {
            Err(err) => Some((Err(err), (Cursor::Done, fetch))),
            Ok((page, None)) => Some((Ok(page), (Cursor::Done, fetch))),
            Ok((page, Some(next))) => {
                if seen.contains(&next) {
                    let err = IvsChatError::Unknown {
                        code: None,
                        message: "the service repeated a pagination token".into(),
                    };
                    return Some((Err(err), (Cursor::Done, fetch)));
                }
                seen.push(next.clone());
                Some((Ok(page), (Cursor::At(next, seen), fetch)))
            }
        }
    })
}

/// Collects every page `fetch_page` returns, given the previous page's token (None first), until
/// a page has no next token. Fails with [`IvsChatError::TooManyResults`] once more than `cap`
/// items arrive (without fetching further), on the first failed page, and when the service
/// repeats a token. For callers that wrap each page call (rate limiting, retries) themselves.
pub async fn collect_all_pages<'a, T, F, Fut>(
    cap: usize,
    fetch_page: F,
) -> Result<Vec<T>, IvsChatError>
where
    T: 'a,
    F: Fn(Option<String>) -> Fut + 'a,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), IvsChatError>> + 'a,
{
    collect_capped(paginate(fetch_page), cap).await
}

async fn collect_capped<T>(
    pages: impl Stream<Item = Result<Vec<T>, IvsChatError>>,
    cap: usize,
) -> Result<Vec<T>, IvsChatError> {
    let mut pages = std::pin::pin!(pages);
    let mut all = Vec::new();
    while let Some(page) = pages.next().await {
        all.extend(page?);
        if all.len() > cap {
            return Err(IvsChatError::TooManyResults { cap });
        }
    }
    Ok(all)
}

fn to_i32(value: Option<i64>) -> Option<i32> {
    // Values were range-checked by validate(); clamp instead of wrapping just in case.
    value.map(|v| v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
}

fn non_empty(
    value: &BTreeMap<String, String>,
) -> Option<std::collections::HashMap<String, String>> {
    (!value.is_empty()).then(|| convert::to_hash_map(value))
}

fn non_empty_arns(value: &[LoggingConfigurationArn]) -> Option<Vec<String>> {
    (!value.is_empty()).then(|| value.iter().map(|a| a.as_str().to_owned()).collect())
}
