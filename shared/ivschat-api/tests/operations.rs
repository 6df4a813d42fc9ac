//! Every operation of `ChatClient` through the real SDK client with mocked responses:
//! success (request sent as expected, result converted), error mapping, and input rejected
//! before anything is sent.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_ivschat::Client;
use aws_sdk_ivschat::operation::create_chat_token::{CreateChatTokenError, CreateChatTokenOutput};
use aws_sdk_ivschat::operation::create_logging_configuration::{
    CreateLoggingConfigurationError, CreateLoggingConfigurationOutput,
};
use aws_sdk_ivschat::operation::create_room::{CreateRoomError, CreateRoomOutput};
use aws_sdk_ivschat::operation::delete_logging_configuration::{
    DeleteLoggingConfigurationError, DeleteLoggingConfigurationOutput,
};
use aws_sdk_ivschat::operation::delete_message::{DeleteMessageError, DeleteMessageOutput};
use aws_sdk_ivschat::operation::delete_room::{DeleteRoomError, DeleteRoomOutput};
use aws_sdk_ivschat::operation::disconnect_user::{DisconnectUserError, DisconnectUserOutput};
use aws_sdk_ivschat::operation::get_logging_configuration::{
    GetLoggingConfigurationError, GetLoggingConfigurationOutput,
};
use aws_sdk_ivschat::operation::get_room::{GetRoomError, GetRoomOutput};
use aws_sdk_ivschat::operation::list_logging_configurations::{
    ListLoggingConfigurationsError, ListLoggingConfigurationsOutput,
};
use aws_sdk_ivschat::operation::list_rooms::{ListRoomsError, ListRoomsOutput};
use aws_sdk_ivschat::operation::list_tags_for_resource::{
    ListTagsForResourceError, ListTagsForResourceOutput,
};
use aws_sdk_ivschat::operation::send_event::{SendEventError, SendEventOutput};
use aws_sdk_ivschat::operation::tag_resource::{TagResourceError, TagResourceOutput};
use aws_sdk_ivschat::operation::untag_resource::{UntagResourceError, UntagResourceOutput};
use aws_sdk_ivschat::operation::update_logging_configuration::{
    UpdateLoggingConfigurationError, UpdateLoggingConfigurationOutput,
};
use aws_sdk_ivschat::operation::update_room::{UpdateRoomError, UpdateRoomOutput};
use aws_sdk_ivschat::types::error::{
    AccessDeniedException, ConflictException, InternalServerException, PendingVerification,
    ResourceNotFoundException, ServiceQuotaExceededException, ThrottlingException,
    ValidationException,
};
use aws_sdk_ivschat::types::{
    self as sdk, ChatTokenCapability, CloudWatchLogsDestinationConfiguration,
    DestinationConfiguration, LoggingConfigurationSummary, ResourceType, RoomSummary,
    ValidationExceptionField, ValidationExceptionReason,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::DateTime;
use aws_smithy_types::body::SdkBody;
use futures::StreamExt;
use ivschat_api::error::ValidationField;
use ivschat_api::model::{
    Capability, CreateChatTokenRequest, CreateLoggingConfigurationRequest, CreateRoomRequest,
    DeleteMessageRequest, Destination, DisconnectUserRequest, FallbackResult, ListRoomsRequest,
    LoggingConfigurationState, MessageReviewHandler, SendEventRequest, TagResourceRequest,
    UntagResourceRequest, UpdateLoggingConfigurationRequest, UpdateRoomRequest,
};
use ivschat_api::{ChatClient, IvsChatError, LoggingConfigurationArn, ResourceArn, RoomArn};

const ROOM: &str = "arn:aws:ivschat:us-east-1:123456789012:room/abcdEFGH1234";
const LOGGING: &str = "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/lcfgABCD1234";
const HANDLER: &str = "arn:aws:lambda:us-east-1:123456789012:function:review";

fn room() -> RoomArn {
    ROOM.parse().expect("valid room ARN")
}

fn logging() -> LoggingConfigurationArn {
    LOGGING.parse().expect("valid logging ARN")
}

fn client(rules: &[&Rule]) -> ChatClient {
    ChatClient::from_sdk_client(mock_client!(aws_sdk_ivschat, RuleMode::MatchAny, rules))
}

fn created() -> DateTime {
    DateTime::from_secs(1_764_115_200)
}

fn not_found() -> ResourceNotFoundException {
    ResourceNotFoundException::builder()
        .message("no such room")
        .resource_id("abcdEFGH1234")
        .resource_type(ResourceType::Room)
        .build()
        .expect("complete")
}

fn access_denied() -> AccessDeniedException {
    AccessDeniedException::builder()
        .message("denied")
        .build()
        .expect("complete")
}

fn validation() -> ValidationException {
    ValidationException::builder()
        .message("bad field")
        .reason(ValidationExceptionReason::FieldValidationFailed)
        .field_list(
            ValidationExceptionField::builder()
                .name("userId")
                .message("too long")
                .build()
                .expect("complete"),
        )
        .build()
        .expect("complete")
}

fn throttling() -> ThrottlingException {
    ThrottlingException::builder()
        .message("slow down")
        .resource_id("abcdEFGH1234")
        .resource_type(ResourceType::Room)
        .limit(100)
        .build()
        .expect("complete")
}

fn internal() -> InternalServerException {
    InternalServerException::builder()
        .message("oops")
        .build()
        .expect("complete")
}

fn assert_not_found(err: IvsChatError) {
    assert_eq!(
        err,
        IvsChatError::ResourceNotFound {
            message: "no such room".into(),
            resource_id: "abcdEFGH1234".into(),
            resource_type: "ROOM".into(),
        }
    );
    assert!(!err_retryable(&err));
}

fn err_retryable(err: &IvsChatError) -> bool {
    err.is_retryable()
}

fn cloud_watch() -> DestinationConfiguration {
    DestinationConfiguration::CloudWatchLogs(
        CloudWatchLogsDestinationConfiguration::builder()
            .log_group_name("chat-logs")
            .build()
            .expect("complete"),
    )
}

// --- CreateChatToken -----------------------------------------------------------------------

#[tokio::test]
async fn create_chat_token_sends_every_field_and_returns_the_token() {
    // GIVEN a service that answers a fully specified token request
    let rule = mock!(Client::create_chat_token)
        .match_requests(|r| {
            r.room_identifier() == Some(ROOM)
                && r.user_id() == Some("viewer-1")
                && r.capabilities() == [ChatTokenCapability::SendMessage]
                && r.session_duration_in_minutes() == Some(30)
                && r.attributes()
                    .and_then(|a| a.get("displayName"))
                    .map(String::as_str)
                    == Some("Ada")
        })
        .then_output(|| {
            CreateChatTokenOutput::builder()
                .token("secret-token")
                .token_expiration_time(created())
                .session_expiration_time(DateTime::from_secs(1_764_117_000))
                .build()
        });
    let mut request = CreateChatTokenRequest::new(room(), "viewer-1");
    request.capabilities = vec![Capability::SendMessage];
    request.session_duration_in_minutes = Some(30);
    request
        .attributes
        .insert("displayName".into(), "Ada".into());

    // WHEN it is called
    let token = client(&[&rule])
        .create_chat_token(&request)
        .await
        .expect("token");

    // THEN the token and both expirations come back
    assert_eq!(token.token, "secret-token");
    assert_eq!(token.token_expiration_time.unix_timestamp(), 1_764_115_200);
    assert_eq!(
        token.session_expiration_time.unix_timestamp(),
        1_764_117_000
    );
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn create_chat_token_maps_each_modeled_error() {
    type Expectation = fn(&IvsChatError) -> bool;
    let cases: Vec<(Rule, Expectation)> = vec![
        (
            mock!(Client::create_chat_token)
                .then_error(|| CreateChatTokenError::AccessDeniedException(access_denied())),
            |e| matches!(e, IvsChatError::AccessDenied { message } if message == "denied"),
        ),
        (
            mock!(Client::create_chat_token).then_error(|| {
                CreateChatTokenError::PendingVerification(
                    PendingVerification::builder()
                        .message("verify")
                        .build()
                        .expect("complete"),
                )
            }),
            |e| matches!(e, IvsChatError::PendingVerification { .. }),
        ),
        (
            mock!(Client::create_chat_token)
                .then_error(|| CreateChatTokenError::ResourceNotFoundException(not_found())),
            |e| matches!(e, IvsChatError::ResourceNotFound { resource_id, .. } if resource_id == "abcdEFGH1234"),
        ),
        (
            mock!(Client::create_chat_token)
                .then_error(|| CreateChatTokenError::ValidationException(validation())),
            |e| {
                matches!(e, IvsChatError::Validation { reason, fields, .. }
                    if reason == "FIELD_VALIDATION_FAILED"
                    && fields == &[ValidationField { name: "userId".into(), message: "too long".into() }])
            },
        ),
    ];
    for (rule, expected) in cases {
        let err = client(&[&rule])
            .create_chat_token(&CreateChatTokenRequest::new(room(), "u"))
            .await
            .expect_err("mocked error");
        assert!(expected(&err), "unexpected mapping: {err:?}");
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn create_chat_token_maps_unmodeled_throttling_by_its_code_and_marks_it_retryable() {
    // GIVEN throttling that CreateChatToken's model does not list, on the wire as restJson1 sends it
    let rule = mock!(Client::create_chat_token).then_http_response(|| {
        let mut response = HttpResponse::new(
            StatusCode::try_from(429).expect("status"),
            SdkBody::from(
                r#"{"message":"Rate exceeded","resourceId":"abcdEFGH1234","resourceType":"ROOM","limit":200}"#,
            ),
        );
        response
            .headers_mut()
            .insert("X-Amzn-ErrorType", "ThrottlingException");
        response
    });
    let client = ChatClient::from_sdk_client(mock_client!(
        aws_sdk_ivschat,
        RuleMode::MatchAny,
        [&rule],
        |b| b.retry_config(aws_sdk_ivschat::config::retry::RetryConfig::disabled())
    ));
    // WHEN a token is requested
    let err = client
        .create_chat_token(&CreateChatTokenRequest::new(room(), "u"))
        .await
        .expect_err("throttled");
    // THEN it is a retryable throttling error that keeps the body's members
    assert!(
        matches!(&err, IvsChatError::Throttling { resource_id, limit: 200, .. } if resource_id == "abcdEFGH1234"),
        "{err:?}"
    );
    assert!(
        matches!(err, IvsChatError::Throttling { ref message, .. } if message == "Rate exceeded"),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn create_chat_token_rejects_bad_input_without_sending() {
    let rule = mock!(Client::create_chat_token)
        .then_output(|| CreateChatTokenOutput::builder().token("t").build());
    let client = client(&[&rule]);
    let mut long_user = CreateChatTokenRequest::new(room(), "u".repeat(129));
    let err = client
        .create_chat_token(&long_user)
        .await
        .expect_err("too long");
    assert!(
        matches!(&err, IvsChatError::InvalidInput(v) if v.field == "userId"),
        "{err:?}"
    );
    long_user.user_id = "u".into();
    long_user.session_duration_in_minutes = Some(181);
    let err = client
        .create_chat_token(&long_user)
        .await
        .expect_err("too long a session");
    assert!(matches!(&err, IvsChatError::InvalidInput(v) if v.field == "sessionDurationInMinutes"));
    long_user.session_duration_in_minutes = None;
    long_user.attributes.insert("k".into(), "v".repeat(1024));
    let err = client
        .create_chat_token(&long_user)
        .await
        .expect_err("attributes too big");
    assert!(matches!(&err, IvsChatError::InvalidInput(v) if v.field == "attributes"));
    assert_eq!(rule.num_calls(), 0);
}

// --- Rooms ---------------------------------------------------------------------------------

fn handler() -> sdk::MessageReviewHandler {
    sdk::MessageReviewHandler::builder()
        .uri(HANDLER)
        .fallback_result(sdk::FallbackResult::Deny)
        .build()
}

#[tokio::test]
async fn create_room_sends_settings_and_converts_the_room() {
    let rule = mock!(Client::create_room)
        .match_requests(|r| {
            r.name() == Some("stage-1")
                && r.maximum_message_length() == Some(200)
                && r.maximum_message_rate_per_second() == Some(5)
                && r.message_review_handler().and_then(|h| h.uri()) == Some(HANDLER)
                && r.tags().and_then(|t| t.get("team")).map(String::as_str) == Some("live")
                && r.logging_configuration_identifiers() == [LOGGING.to_string()]
        })
        .then_output(|| {
            CreateRoomOutput::builder()
                .arn(ROOM)
                .id("abcdEFGH1234")
                .name("stage-1")
                .create_time(created())
                .update_time(created())
                .maximum_message_length(200)
                .maximum_message_rate_per_second(5)
                .message_review_handler(handler())
                .tags("team", "live")
                .logging_configuration_identifiers(LOGGING)
                .build()
        });
    let request = CreateRoomRequest {
        name: Some("stage-1".into()),
        maximum_message_rate_per_second: Some(5),
        maximum_message_length: Some(200),
        message_review_handler: Some(MessageReviewHandler {
            uri: HANDLER.into(),
            fallback_result: FallbackResult::Deny,
        }),
        tags: BTreeMap::from([("team".into(), "live".into())]),
        logging_configuration_identifiers: vec![logging()],
    };
    let room = client(&[&rule]).create_room(&request).await.expect("room");
    assert_eq!(room.arn.as_str(), ROOM);
    assert_eq!(room.maximum_message_length, 200);
    assert_eq!(room.maximum_message_rate_per_second, 5);
    assert_eq!(
        room.message_review_handler,
        Some(MessageReviewHandler {
            uri: HANDLER.into(),
            fallback_result: FallbackResult::Deny
        })
    );
    assert_eq!(room.tags["team"], "live");
    assert_eq!(room.logging_configuration_identifiers, vec![logging()]);
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn create_room_maps_quota_and_conflict() {
    let quota = mock!(Client::create_room).then_error(|| {
        CreateRoomError::ServiceQuotaExceededException(
            ServiceQuotaExceededException::builder()
                .message("too many rooms")
                .resource_id("abcdEFGH1234")
                .resource_type(ResourceType::Room)
                .limit(50_000)
                .build()
                .expect("complete"),
        )
    });
    let err = client(&[&quota])
        .create_room(&CreateRoomRequest::default())
        .await
        .expect_err("quota");
    assert!(
        matches!(
            err,
            IvsChatError::ServiceQuotaExceeded { limit: 50_000, .. }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());

    let conflict = mock!(Client::create_room).then_error(|| {
        CreateRoomError::ConflictException(
            ConflictException::builder()
                .message("busy")
                .resource_id("lcfgABCD1234")
                .resource_type(ResourceType::Room)
                .build()
                .expect("complete"),
        )
    });
    let err = client(&[&conflict])
        .create_room(&CreateRoomRequest::default())
        .await
        .expect_err("conflict");
    assert!(
        matches!(err, IvsChatError::Conflict { ref resource_id, .. } if resource_id == "lcfgABCD1234")
    );
}

#[tokio::test]
async fn create_room_rejects_out_of_range_settings_without_sending() {
    let rule = mock!(Client::create_room).then_output(|| CreateRoomOutput::builder().build());
    let client = client(&[&rule]);
    for (request, field) in [
        (
            CreateRoomRequest {
                maximum_message_length: Some(501),
                ..Default::default()
            },
            "maximumMessageLength",
        ),
        (
            CreateRoomRequest {
                maximum_message_rate_per_second: Some(0),
                ..Default::default()
            },
            "maximumMessageRatePerSecond",
        ),
        (
            CreateRoomRequest {
                name: Some("bad name".into()),
                ..Default::default()
            },
            "name",
        ),
        (
            CreateRoomRequest {
                tags: (0..51).map(|i| (format!("k{i}"), String::new())).collect(),
                ..Default::default()
            },
            "tags",
        ),
    ] {
        let err = client.create_room(&request).await.expect_err("invalid");
        assert!(
            matches!(&err, IvsChatError::InvalidInput(v) if v.field == field),
            "{field}: {err:?}"
        );
    }
    assert_eq!(rule.num_calls(), 0);
}

#[tokio::test]
async fn get_room_returns_the_room_and_maps_not_found() {
    let ok = mock!(Client::get_room)
        .match_requests(|r| r.identifier() == Some(ROOM))
        .then_output(|| {
            GetRoomOutput::builder()
                .arn(ROOM)
                .id("abcdEFGH1234")
                .create_time(created())
                .update_time(created())
                .maximum_message_length(500)
                .maximum_message_rate_per_second(10)
                .build()
        });
    let found = client(&[&ok]).get_room(&room()).await.expect("room");
    assert_eq!(found.id, "abcdEFGH1234");
    assert_eq!(found.name, "");
    assert_eq!(found.message_review_handler, None);

    let missing =
        mock!(Client::get_room).then_error(|| GetRoomError::ResourceNotFoundException(not_found()));
    assert_not_found(
        client(&[&missing])
            .get_room(&room())
            .await
            .expect_err("missing"),
    );
}

#[tokio::test]
async fn get_room_reports_a_response_without_an_arn_instead_of_panicking() {
    let rule =
        mock!(Client::get_room).then_output(|| GetRoomOutput::builder().id("abcdEFGH1234").build());
    let err = client(&[&rule])
        .get_room(&room())
        .await
        .expect_err("incomplete");
    assert!(
        matches!(err, IvsChatError::Unknown { ref message, .. } if message.contains("no arn")),
        "{err:?}"
    );
}

#[tokio::test]
async fn update_room_sends_only_the_changed_fields_and_can_remove_the_handler() {
    let rule = mock!(Client::update_room)
        .match_requests(|r| {
            r.identifier() == Some(ROOM)
                && r.name().is_none()
                && r.maximum_message_length() == Some(100)
                && r.message_review_handler().and_then(|h| h.uri()) == Some("")
                && r.logging_configuration_identifiers() == [] as [String; 0]
        })
        .then_output(|| {
            UpdateRoomOutput::builder()
                .arn(ROOM)
                .id("abcdEFGH1234")
                .create_time(created())
                .update_time(created())
                .maximum_message_length(100)
                .message_review_handler(sdk::MessageReviewHandler::builder().uri("").build())
                .build()
        });
    let mut request = UpdateRoomRequest::new(room());
    request.maximum_message_length = Some(100);
    request.message_review_handler = Some(MessageReviewHandler {
        uri: String::new(),
        fallback_result: FallbackResult::Allow,
    });
    request.logging_configuration_identifiers = Some(vec![]);
    let updated = client(&[&rule])
        .update_room(&request)
        .await
        .expect("updated");
    assert_eq!(updated.maximum_message_length, 100);
    assert_eq!(
        updated.message_review_handler, None,
        "an empty uri means no handler"
    );
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn update_room_maps_pending_verification_and_rejects_bad_input() {
    let rule = mock!(Client::update_room).then_error(|| {
        UpdateRoomError::PendingVerification(
            PendingVerification::builder()
                .message("verify")
                .build()
                .expect("complete"),
        )
    });
    let client = client(&[&rule]);
    let err = client
        .update_room(&UpdateRoomRequest::new(room()))
        .await
        .expect_err("pending");
    assert!(matches!(err, IvsChatError::PendingVerification { .. }));
    let mut bad = UpdateRoomRequest::new(room());
    bad.maximum_message_rate_per_second = Some(101);
    let err = client.update_room(&bad).await.expect_err("invalid");
    assert!(
        matches!(&err, IvsChatError::InvalidInput(v) if v.field == "maximumMessageRatePerSecond")
    );
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn delete_room_succeeds_and_maps_not_found() {
    let ok = mock!(Client::delete_room)
        .match_requests(|r| r.identifier() == Some(ROOM))
        .then_output(|| DeleteRoomOutput::builder().build());
    client(&[&ok]).delete_room(&room()).await.expect("deleted");
    assert_eq!(ok.num_calls(), 1);
    let missing = mock!(Client::delete_room)
        .then_error(|| DeleteRoomError::ResourceNotFoundException(not_found()));
    assert_not_found(
        client(&[&missing])
            .delete_room(&room())
            .await
            .expect_err("missing"),
    );
}

fn summary(id: &str) -> RoomSummary {
    RoomSummary::builder()
        .arn(format!("arn:aws:ivschat:us-east-1:123456789012:room/{id}"))
        .id(id)
        .create_time(created())
        .update_time(created())
        .tags("managed-by", "test")
        .build()
}

fn page(ids: &[&str], next: Option<&str>) -> ListRoomsOutput {
    ListRoomsOutput::builder()
        .set_rooms(Some(ids.iter().map(|id| summary(id)).collect()))
        .set_next_token(next.map(str::to_owned))
        .build()
        .expect("complete")
}

#[tokio::test]
async fn list_rooms_sends_filters_and_returns_one_page() {
    let rule = mock!(Client::list_rooms)
        .match_requests(|r| {
            r.name() == Some("stage")
                && r.message_review_handler_uri() == Some(HANDLER)
                && r.logging_configuration_identifier() == Some(LOGGING)
                && r.max_results() == Some(2)
                && r.next_token() == Some("t1")
        })
        .then_output(|| page(&["room00000001", "room00000002"], Some("t2")));
    let request = ListRoomsRequest {
        name: Some("stage".into()),
        message_review_handler_uri: Some(HANDLER.into()),
        logging_configuration_identifier: Some(logging()),
        max_results: Some(2),
    };
    let page = client(&[&rule])
        .list_rooms(&request, Some("t1"))
        .await
        .expect("page");
    assert_eq!(page.rooms.len(), 2);
    assert_eq!(page.rooms[0].tags["managed-by"], "test");
    assert_eq!(page.next_token.as_deref(), Some("t2"));
}

#[tokio::test]
async fn list_rooms_rejects_a_page_size_over_50_and_maps_access_denied() {
    let rule = mock!(Client::list_rooms)
        .then_error(|| ListRoomsError::AccessDeniedException(access_denied()));
    let client = client(&[&rule]);
    let err = client
        .list_rooms(
            &ListRoomsRequest {
                max_results: Some(51),
                ..Default::default()
            },
            None,
        )
        .await
        .expect_err("invalid");
    assert!(matches!(&err, IvsChatError::InvalidInput(v) if v.field == "maxResults"));
    assert_eq!(rule.num_calls(), 0);
    let err = client
        .list_rooms(&ListRoomsRequest::default(), None)
        .await
        .expect_err("denied");
    assert!(matches!(err, IvsChatError::AccessDenied { .. }));
}

fn paged_rooms_client() -> (ChatClient, [Rule; 3]) {
    let first = mock!(Client::list_rooms)
        .match_requests(|r| r.next_token().is_none())
        .then_output(|| page(&["room00000001", "room00000002"], Some("p2")));
    let second = mock!(Client::list_rooms)
        .match_requests(|r| r.next_token() == Some("p2"))
        .then_output(|| page(&["room00000003", "room00000004"], Some("p3")));
    let third = mock!(Client::list_rooms)
        .match_requests(|r| r.next_token() == Some("p3"))
        .then_output(|| page(&["room00000005"], None));
    (client(&[&first, &second, &third]), [first, second, third])
}

#[tokio::test]
async fn list_all_rooms_follows_every_page() {
    let (client, rules) = paged_rooms_client();
    let rooms = client
        .list_all_rooms(&ListRoomsRequest::default(), 100)
        .await
        .expect("all");
    let ids: Vec<&str> = rooms.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "room00000001",
            "room00000002",
            "room00000003",
            "room00000004",
            "room00000005"
        ]
    );
    assert!(rules.iter().all(|r| r.num_calls() == 1));
}

#[tokio::test]
async fn list_all_rooms_fails_rather_than_exceed_the_cap() {
    let (client, rules) = paged_rooms_client();
    let err = client
        .list_all_rooms(&ListRoomsRequest::default(), 3)
        .await
        .expect_err("over cap");
    assert_eq!(err, IvsChatError::TooManyResults { cap: 3 });
    assert_eq!(rules[2].num_calls(), 0, "stops fetching once over the cap");
    let (client, _) = paged_rooms_client();
    assert_eq!(
        client
            .list_all_rooms(&ListRoomsRequest::default(), 5)
            .await
            .expect("exactly at cap")
            .len(),
        5
    );
}

#[tokio::test]
async fn list_rooms_pages_streams_pages_and_stops_on_a_repeated_token() {
    let (client, _) = paged_rooms_client();
    let sizes: Vec<usize> = client
        .list_rooms_pages(ListRoomsRequest::default())
        .map(|p| p.expect("page").rooms.len())
        .collect()
        .await;
    assert_eq!(sizes, [2, 2, 1]);

    let looping = mock!(Client::list_rooms).then_output(|| page(&["room00000001"], Some("same")));
    let client = self::client(&[&looping]);
    let results: Vec<_> = client
        .list_rooms_pages(ListRoomsRequest::default())
        .collect()
        .await;
    assert_eq!(results.len(), 2, "the first page, then the error");
    assert!(results[0].is_ok());
    assert!(
        matches!(&results[1], Err(IvsChatError::Unknown { message, .. }) if message.contains("repeated"))
    );
    assert_eq!(looping.num_calls(), 2);
}

// --- Moderation ----------------------------------------------------------------------------

#[tokio::test]
async fn delete_message_returns_the_operation_id_and_maps_throttling() {
    let ok = mock!(Client::delete_message)
        .match_requests(|r| {
            r.room_identifier() == Some(ROOM)
                && r.id() == Some("msgABCDEF123")
                && r.reason() == Some("spam")
        })
        .then_output(|| DeleteMessageOutput::builder().id("opABCDEFG123").build());
    let request = DeleteMessageRequest {
        room: room(),
        message_id: "msgABCDEF123".into(),
        reason: Some("spam".into()),
    };
    assert_eq!(
        client(&[&ok])
            .delete_message(&request)
            .await
            .expect("deleted"),
        "opABCDEFG123"
    );

    let slow = mock!(Client::delete_message)
        .then_error(|| DeleteMessageError::ThrottlingException(throttling()));
    let err = client(&[&slow])
        .delete_message(&request)
        .await
        .expect_err("throttled");
    assert!(matches!(err, IvsChatError::Throttling { limit: 100, .. }));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn delete_message_rejects_a_malformed_id_or_empty_reason_without_sending() {
    let rule = mock!(Client::delete_message)
        .then_output(|| DeleteMessageOutput::builder().id("x").build());
    let client = client(&[&rule]);
    let mut request = DeleteMessageRequest {
        room: room(),
        message_id: "short".into(),
        reason: None,
    };
    let err = client.delete_message(&request).await.expect_err("bad id");
    assert!(matches!(&err, IvsChatError::InvalidInput(v) if v.field == "id"));
    request.message_id = "msgABCDEF123".into();
    request.reason = Some(String::new());
    let err = client
        .delete_message(&request)
        .await
        .expect_err("empty reason");
    assert!(matches!(&err, IvsChatError::InvalidInput(v) if v.field == "reason"));
    request.reason = Some("r".repeat(257));
    assert!(client.delete_message(&request).await.is_err());
    assert_eq!(rule.num_calls(), 0);
}

#[tokio::test]
async fn disconnect_user_sends_user_and_reason_and_maps_not_found() {
    let ok = mock!(Client::disconnect_user)
        .match_requests(|r| {
            r.room_identifier() == Some(ROOM)
                && r.user_id() == Some("troll")
                && r.reason() == Some("abuse")
        })
        .then_output(|| DisconnectUserOutput::builder().build());
    let request = DisconnectUserRequest {
        room: room(),
        user_id: "troll".into(),
        reason: Some("abuse".into()),
    };
    client(&[&ok])
        .disconnect_user(&request)
        .await
        .expect("disconnected");
    assert_eq!(ok.num_calls(), 1);

    let missing = mock!(Client::disconnect_user)
        .then_error(|| DisconnectUserError::ResourceNotFoundException(not_found()));
    assert_not_found(
        client(&[&missing])
            .disconnect_user(&request)
            .await
            .expect_err("missing"),
    );

    let bad = DisconnectUserRequest {
        room: room(),
        user_id: String::new(),
        reason: None,
    };
    let err = client(&[&ok])
        .disconnect_user(&bad)
        .await
        .expect_err("empty user");
    assert!(matches!(&err, IvsChatError::InvalidInput(v) if v.field == "userId"));
}

#[tokio::test]
async fn send_event_returns_the_event_id_and_maps_validation() {
    let ok = mock!(Client::send_event)
        .match_requests(|r| {
            r.room_identifier() == Some(ROOM)
                && r.event_name() == Some("app:stream_live")
                && r.attributes()
                    .and_then(|a| a.get("title"))
                    .map(String::as_str)
                    == Some("Finals")
        })
        .then_output(|| SendEventOutput::builder().id("evtABCDEF123").build());
    let request = SendEventRequest {
        room: room(),
        event_name: "app:stream_live".into(),
        attributes: BTreeMap::from([("title".into(), "Finals".into())]),
    };
    assert_eq!(
        client(&[&ok]).send_event(&request).await.expect("sent"),
        "evtABCDEF123"
    );

    let invalid =
        mock!(Client::send_event).then_error(|| SendEventError::ValidationException(validation()));
    let err = client(&[&invalid])
        .send_event(&request)
        .await
        .expect_err("invalid");
    assert!(matches!(err, IvsChatError::Validation { .. }));

    let too_long = SendEventRequest {
        event_name: "e".repeat(101),
        ..request
    };
    let err = client(&[&ok])
        .send_event(&too_long)
        .await
        .expect_err("long name");
    assert!(matches!(&err, IvsChatError::InvalidInput(v) if v.field == "eventName"));
    assert_eq!(ok.num_calls(), 1);
}

// --- Tags ----------------------------------------------------------------------------------

#[tokio::test]
async fn tag_resource_sends_the_tags_and_maps_internal_errors_as_retryable() {
    let ok = mock!(Client::tag_resource)
        .match_requests(|r| {
            r.resource_arn() == Some(ROOM)
                && r.tags().and_then(|t| t.get("owner")).map(String::as_str) == Some("ops")
        })
        .then_output(|| TagResourceOutput::builder().build());
    let request = TagResourceRequest {
        resource: room().into(),
        tags: BTreeMap::from([("owner".into(), "ops".into())]),
    };
    client(&[&ok]).tag_resource(&request).await.expect("tagged");
    assert_eq!(ok.num_calls(), 1);

    let broken = mock!(Client::tag_resource)
        .then_error(|| TagResourceError::InternalServerException(internal()));
    let err = ChatClient::from_sdk_client(mock_client!(
        aws_sdk_ivschat,
        RuleMode::MatchAny,
        [&broken],
        |b| b.retry_config(aws_sdk_ivschat::config::retry::RetryConfig::disabled())
    ))
    .tag_resource(&request)
    .await
    .expect_err("internal");
    assert!(matches!(err, IvsChatError::InternalServer { .. }));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn untag_resource_sends_only_the_named_keys_and_maps_not_found() {
    let ok = mock!(Client::untag_resource)
        .match_requests(|r| {
            r.resource_arn() == Some(LOGGING) && r.tag_keys() == ["owner".to_string()]
        })
        .then_output(|| UntagResourceOutput::builder().build());
    let request = UntagResourceRequest {
        resource: logging().into(),
        tag_keys: vec!["owner".into()],
    };
    client(&[&ok])
        .untag_resource(&request)
        .await
        .expect("untagged");
    assert_eq!(ok.num_calls(), 1);
    let missing = mock!(Client::untag_resource)
        .then_error(|| UntagResourceError::ResourceNotFoundException(not_found()));
    assert_not_found(
        client(&[&missing])
            .untag_resource(&request)
            .await
            .expect_err("missing"),
    );
}

#[tokio::test]
async fn list_tags_for_resource_returns_the_tags_and_maps_validation() {
    let ok = mock!(Client::list_tags_for_resource)
        .match_requests(|r| r.resource_arn() == Some(ROOM))
        .then_output(|| {
            ListTagsForResourceOutput::builder()
                .set_tags(Some(HashMap::from([
                    ("a".to_string(), "1".to_string()),
                    ("b".to_string(), "2".to_string()),
                ])))
                .build()
                .expect("complete")
        });
    let resource: ResourceArn = room().into();
    let tags = client(&[&ok])
        .list_tags_for_resource(&resource)
        .await
        .expect("tags");
    assert_eq!(
        tags,
        BTreeMap::from([("a".into(), "1".into()), ("b".into(), "2".into())])
    );
    let invalid = mock!(Client::list_tags_for_resource)
        .then_error(|| ListTagsForResourceError::ValidationException(validation()));
    assert!(matches!(
        client(&[&invalid]).list_tags_for_resource(&resource).await,
        Err(IvsChatError::Validation { .. })
    ));
}

// --- Logging configurations ----------------------------------------------------------------

#[tokio::test]
async fn create_logging_configuration_sends_the_destination_union() {
    let rule = mock!(Client::create_logging_configuration)
        .match_requests(|r| {
            r.name() == Some("chat-audit")
                && matches!(r.destination_configuration(), Some(DestinationConfiguration::CloudWatchLogs(c)) if c.log_group_name() == "chat-logs")
        })
        .then_output(|| {
            CreateLoggingConfigurationOutput::builder()
                .arn(LOGGING)
                .id("lcfgABCD1234")
                .name("chat-audit")
                .destination_configuration(cloud_watch())
                .state(sdk::CreateLoggingConfigurationState::Active)
                .create_time(created())
                .update_time(created())
                .build()
        });
    let request = CreateLoggingConfigurationRequest {
        name: Some("chat-audit".into()),
        destination: Destination::CloudWatchLogs {
            log_group_name: "chat-logs".into(),
        },
        tags: BTreeMap::new(),
    };
    let created = client(&[&rule])
        .create_logging_configuration(&request)
        .await
        .expect("created");
    assert_eq!(created.arn, logging());
    assert_eq!(created.state, LoggingConfigurationState::Active);
    assert_eq!(created.destination_configuration, request.destination);
}

#[tokio::test]
async fn create_logging_configuration_maps_quota_and_rejects_bad_destinations() {
    let quota = mock!(Client::create_logging_configuration).then_error(|| {
        CreateLoggingConfigurationError::ServiceQuotaExceededException(
            ServiceQuotaExceededException::builder()
                .message("too many")
                .resource_id("lcfgABCD1234")
                .resource_type(ResourceType::Room)
                .limit(10)
                .build()
                .expect("complete"),
        )
    });
    let client = client(&[&quota]);
    let mut request = CreateLoggingConfigurationRequest {
        name: None,
        destination: Destination::S3 {
            bucket_name: "chat-archive".into(),
        },
        tags: BTreeMap::new(),
    };
    let err = client
        .create_logging_configuration(&request)
        .await
        .expect_err("quota");
    assert!(matches!(
        err,
        IvsChatError::ServiceQuotaExceeded { limit: 10, .. }
    ));
    request.destination = Destination::S3 {
        bucket_name: "Upper_Case".into(),
    };
    let err = client
        .create_logging_configuration(&request)
        .await
        .expect_err("bad bucket");
    assert!(
        matches!(&err, IvsChatError::InvalidInput(v) if v.field == "destinationConfiguration.s3.bucketName")
    );
    assert_eq!(quota.num_calls(), 1);
}

#[tokio::test]
async fn get_logging_configuration_reports_its_state_and_maps_not_found() {
    let ok = mock!(Client::get_logging_configuration)
        .match_requests(|r| r.identifier() == Some(LOGGING))
        .then_output(|| {
            GetLoggingConfigurationOutput::builder()
                .arn(LOGGING)
                .id("lcfgABCD1234")
                .destination_configuration(cloud_watch())
                .state(sdk::LoggingConfigurationState::Updating)
                .create_time(created())
                .update_time(created())
                .tags("owner", "ops")
                .build()
        });
    let lc = client(&[&ok])
        .get_logging_configuration(&logging())
        .await
        .expect("found");
    assert_eq!(lc.state, LoggingConfigurationState::Updating);
    assert_eq!(lc.tags["owner"], "ops");
    let missing = mock!(Client::get_logging_configuration)
        .then_error(|| GetLoggingConfigurationError::ResourceNotFoundException(not_found()));
    assert_not_found(
        client(&[&missing])
            .get_logging_configuration(&logging())
            .await
            .expect_err("missing"),
    );
}

#[tokio::test]
async fn update_logging_configuration_sends_changes_and_maps_conflict() {
    let ok = mock!(Client::update_logging_configuration)
        .match_requests(|r| {
            r.identifier() == Some(LOGGING)
                && r.name() == Some("renamed")
                && r.destination_configuration().is_none()
        })
        .then_output(|| {
            UpdateLoggingConfigurationOutput::builder()
                .arn(LOGGING)
                .id("lcfgABCD1234")
                .name("renamed")
                .destination_configuration(cloud_watch())
                .state(sdk::UpdateLoggingConfigurationState::Active)
                .create_time(created())
                .update_time(created())
                .build()
        });
    let request = UpdateLoggingConfigurationRequest {
        logging_configuration: logging(),
        name: Some("renamed".into()),
        destination: None,
    };
    assert_eq!(
        client(&[&ok])
            .update_logging_configuration(&request)
            .await
            .expect("updated")
            .name,
        "renamed"
    );
    let conflict = mock!(Client::update_logging_configuration).then_error(|| {
        UpdateLoggingConfigurationError::ConflictException(
            ConflictException::builder()
                .message("busy")
                .resource_id("lcfgABCD1234")
                .resource_type(ResourceType::Room)
                .build()
                .expect("complete"),
        )
    });
    assert!(matches!(
        client(&[&conflict])
            .update_logging_configuration(&request)
            .await,
        Err(IvsChatError::Conflict { .. })
    ));
    let bad = UpdateLoggingConfigurationRequest {
        destination: Some(Destination::Firehose {
            delivery_stream_name: "bad/name".into(),
        }),
        ..request
    };
    assert!(matches!(
        client(&[&ok]).update_logging_configuration(&bad).await,
        Err(IvsChatError::InvalidInput(_))
    ));
    assert_eq!(ok.num_calls(), 1);
}

#[tokio::test]
async fn delete_logging_configuration_succeeds_and_maps_conflict_when_in_use() {
    let ok = mock!(Client::delete_logging_configuration)
        .match_requests(|r| r.identifier() == Some(LOGGING))
        .then_output(|| DeleteLoggingConfigurationOutput::builder().build());
    client(&[&ok])
        .delete_logging_configuration(&logging())
        .await
        .expect("deleted");
    let in_use = mock!(Client::delete_logging_configuration).then_error(|| {
        DeleteLoggingConfigurationError::ConflictException(
            ConflictException::builder()
                .message("in use")
                .resource_id("lcfgABCD1234")
                .resource_type(ResourceType::Room)
                .build()
                .expect("complete"),
        )
    });
    assert!(matches!(
        client(&[&in_use])
            .delete_logging_configuration(&logging())
            .await,
        Err(IvsChatError::Conflict { .. })
    ));
}

fn logging_summary(id: &str) -> LoggingConfigurationSummary {
    LoggingConfigurationSummary::builder()
        .arn(format!(
            "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/{id}"
        ))
        .id(id)
        .destination_configuration(cloud_watch())
        .state(sdk::LoggingConfigurationState::Active)
        .create_time(created())
        .update_time(created())
        .build()
}

#[tokio::test]
async fn list_logging_configurations_pages_through_all_and_maps_access_denied() {
    let first = mock!(Client::list_logging_configurations)
        .match_requests(|r| r.next_token().is_none() && r.max_results().is_none())
        .then_output(|| {
            ListLoggingConfigurationsOutput::builder()
                .logging_configurations(logging_summary("lcfg00000001"))
                .next_token("n2")
                .build()
                .expect("complete")
        });
    let second = mock!(Client::list_logging_configurations)
        .match_requests(|r| r.next_token() == Some("n2"))
        .then_output(|| {
            ListLoggingConfigurationsOutput::builder()
                .logging_configurations(logging_summary("lcfg00000002"))
                .build()
                .expect("complete")
        });
    let all = client(&[&first, &second])
        .list_all_logging_configurations(10)
        .await
        .expect("all");
    assert_eq!(
        all.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(),
        ["lcfg00000001", "lcfg00000002"]
    );

    let denied = mock!(Client::list_logging_configurations)
        .then_error(|| ListLoggingConfigurationsError::AccessDeniedException(access_denied()));
    let client = client(&[&denied]);
    assert!(matches!(
        client.list_logging_configurations(None, None).await,
        Err(IvsChatError::AccessDenied { .. })
    ));
    let err = client
        .list_logging_configurations(Some(0), None)
        .await
        .expect_err("invalid");
    assert!(matches!(&err, IvsChatError::InvalidInput(v) if v.field == "maxResults"));
    assert_eq!(denied.num_calls(), 1);
}

// --- Transport -----------------------------------------------------------------------------

fn fast_settings() -> ivschat_api::ClientSettings {
    ivschat_api::ClientSettings {
        connect_timeout: std::time::Duration::from_millis(300),
        operation_attempt_timeout: std::time::Duration::from_millis(300),
        operation_timeout: std::time::Duration::from_secs(2),
        max_attempts: 1,
    }
}

#[tokio::test]
async fn a_silent_endpoint_is_a_retryable_timeout() {
    // GIVEN an endpoint that accepts connections but never answers
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let _server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = ChatClient::for_endpoint(
        &format!("http://{address}"),
        "us-east-1",
        "test",
        "test",
        fast_settings(),
    );
    // WHEN a call is made
    let err = client.get_room(&room()).await.expect_err("no answer");
    // THEN it times out and may be retried
    assert!(matches!(err, IvsChatError::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_refused_connection_is_a_retryable_transport_failure() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let client = ChatClient::for_endpoint(
        &format!("http://{address}"),
        "us-east-1",
        "test",
        "test",
        fast_settings(),
    );
    let err = client.get_room(&room()).await.expect_err("refused");
    assert!(matches!(err, IvsChatError::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
}
