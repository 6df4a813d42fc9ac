//! Every operation through the unmodified aws-sdk-ivschat, against the emulator over HTTP.

mod common;

use aws_sdk_ivschat::error::ProvideErrorMetadata;
use aws_sdk_ivschat::operation::create_room::CreateRoomError;
use aws_sdk_ivschat::operation::delete_logging_configuration::DeleteLoggingConfigurationError;
use aws_sdk_ivschat::operation::get_room::GetRoomError;
use aws_sdk_ivschat::types::{
    ChatTokenCapability, CloudWatchLogsDestinationConfiguration, DestinationConfiguration,
    FallbackResult, FirehoseDestinationConfiguration, LoggingConfigurationState,
    MessageReviewHandler, ResourceType, ValidationExceptionReason,
};
use common::{client, create_logging_configuration, create_room, is_twelve_alphanumerics, start};
use ivschat_emulator::{Capability, JournalAction};

const HANDLER_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:review";

#[tokio::test]
async fn create_room_returns_ids_arns_defaults_and_timestamps_the_sdk_parses() {
    // GIVEN a running emulator
    let emulator = start().await;
    let client = client(&emulator);
    // WHEN a room is created with a handler, tags and a logging configuration
    let logging = create_logging_configuration(&client, "chat-logs").await;
    let room = client
        .create_room()
        .name("lobby")
        .message_review_handler(MessageReviewHandler::builder().uri(HANDLER_ARN).build())
        .tags("team", "chat")
        .logging_configuration_identifiers(&logging)
        .send()
        .await
        .expect("CreateRoom succeeds");
    // THEN the SDK reads every member, with the service's formats and defaults
    let id = room.id().expect("id");
    assert!(is_twelve_alphanumerics(id), "id {id}");
    assert_eq!(
        room.arn(),
        Some(format!("arn:aws:ivschat:us-east-1:123456789012:room/{id}").as_str())
    );
    assert_eq!(room.name(), Some("lobby"));
    assert_eq!(room.maximum_message_rate_per_second(), Some(10));
    assert_eq!(room.maximum_message_length(), Some(500));
    let handler = room.message_review_handler().expect("handler");
    assert_eq!(handler.uri(), Some(HANDLER_ARN));
    assert_eq!(handler.fallback_result(), Some(&FallbackResult::Allow));
    assert_eq!(
        room.tags().and_then(|t| t.get("team")).map(String::as_str),
        Some("chat")
    );
    assert_eq!(room.logging_configuration_identifiers(), [logging]);
    assert!(room.create_time().is_some());
    assert_eq!(room.create_time(), room.update_time());
    assert_eq!(emulator.rooms().len(), 1);
}

#[tokio::test]
async fn get_update_and_delete_room_round_trip() {
    // GIVEN a room with a review handler
    let emulator = start().await;
    let client = client(&emulator);
    let arn = client
        .create_room()
        .message_review_handler(MessageReviewHandler::builder().uri(HANDLER_ARN).build())
        .send()
        .await
        .expect("created")
        .arn()
        .expect("arn")
        .to_owned();
    // WHEN it is updated: new limits, handler removed with an empty uri
    let updated = client
        .update_room()
        .identifier(&arn)
        .name("renamed")
        .maximum_message_length(140)
        .maximum_message_rate_per_second(3)
        .message_review_handler(MessageReviewHandler::builder().uri("").build())
        .send()
        .await
        .expect("UpdateRoom succeeds");
    // THEN Get sees the change and a later updateTime
    let fetched = client
        .get_room()
        .identifier(&arn)
        .send()
        .await
        .expect("GetRoom");
    assert_eq!(fetched.name(), Some("renamed"));
    assert_eq!(fetched.maximum_message_length(), Some(140));
    assert_eq!(fetched.maximum_message_rate_per_second(), Some(3));
    assert!(fetched.message_review_handler().is_none());
    assert!(updated.update_time() >= updated.create_time());
    // AND WHEN it is deleted THEN Get answers ResourceNotFound naming the room
    client
        .delete_room()
        .identifier(&arn)
        .send()
        .await
        .expect("DeleteRoom");
    let error = client
        .get_room()
        .identifier(&arn)
        .send()
        .await
        .expect_err("room is gone")
        .into_service_error();
    let GetRoomError::ResourceNotFoundException(not_found) = error else {
        panic!("expected ResourceNotFoundException, got {error:?}");
    };
    assert_eq!(not_found.resource_id(), arn.rsplit('/').next().expect("id"));
    assert_eq!(not_found.resource_type(), &ResourceType::Room);
    assert!(emulator.rooms().is_empty());
}

#[tokio::test]
async fn update_room_can_change_only_the_fallback_result() {
    // GIVEN a room with a handler
    let emulator = start().await;
    let client = client(&emulator);
    let arn = client
        .create_room()
        .message_review_handler(MessageReviewHandler::builder().uri(HANDLER_ARN).build())
        .send()
        .await
        .expect("created")
        .arn()
        .expect("arn")
        .to_owned();
    // WHEN only fallbackResult is sent
    let updated = client
        .update_room()
        .identifier(&arn)
        .message_review_handler(
            MessageReviewHandler::builder()
                .fallback_result(FallbackResult::Deny)
                .build(),
        )
        .send()
        .await
        .expect("UpdateRoom succeeds");
    // THEN the uri stays and the fallback changes
    let handler = updated.message_review_handler().expect("handler kept");
    assert_eq!(handler.uri(), Some(HANDLER_ARN));
    assert_eq!(handler.fallback_result(), Some(&FallbackResult::Deny));
}

#[tokio::test]
async fn create_chat_token_issues_a_token_the_emulator_verifies() {
    // GIVEN a room
    let emulator = start().await;
    let client = client(&emulator);
    let room = create_room(&client, "stage").await;
    // WHEN a 30-minute moderator token is requested
    let issued = client
        .create_chat_token()
        .room_identifier(&room)
        .user_id("mod-1")
        .capabilities(ChatTokenCapability::DeleteMessage)
        .capabilities(ChatTokenCapability::DisconnectUser)
        .session_duration_in_minutes(30)
        .attributes("displayName", "Mod")
        .send()
        .await
        .expect("CreateChatToken succeeds");
    // THEN the expiry times match the duration and the token verifies with its grant
    let token_expiry = issued.token_expiration_time().expect("token expiry");
    let session_expiry = issued.session_expiration_time().expect("session expiry");
    let verified = emulator
        .verify_chat_token(issued.token().expect("token"))
        .expect("token verifies");
    assert_eq!(verified.room_arn, room);
    assert_eq!(verified.user_id, "mod-1");
    assert_eq!(
        verified.capabilities,
        vec![Capability::DeleteMessage, Capability::DisconnectUser]
    );
    assert_eq!(verified.attributes["displayName"], "Mod");
    let minutes = (verified.session_expiration_time - verified.issued_at).whole_minutes();
    assert_eq!(minutes, 30);
    assert_eq!(
        session_expiry.secs(),
        verified.session_expiration_time.unix_timestamp()
    );
    assert!(token_expiry <= session_expiry);
}

#[tokio::test]
async fn create_chat_token_defaults_to_a_sixty_minute_session() {
    // GIVEN a room
    let emulator = start().await;
    let client = client(&emulator);
    let room = create_room(&client, "default").await;
    // WHEN a token is requested without a duration
    let issued = client
        .create_chat_token()
        .room_identifier(&room)
        .user_id("viewer")
        .send()
        .await
        .expect("CreateChatToken succeeds");
    // THEN the session lasts 60 minutes and no capability is granted
    let verified = emulator
        .verify_chat_token(issued.token().expect("token"))
        .expect("verifies");
    assert_eq!(
        (verified.session_expiration_time - verified.issued_at).whole_minutes(),
        60
    );
    assert!(verified.capabilities.is_empty());
}

#[tokio::test]
async fn moderation_calls_return_ids_and_land_in_the_journal() {
    // GIVEN a room
    let emulator = start().await;
    let client = client(&emulator);
    let room = create_room(&client, "mod").await;
    // WHEN a message is deleted, a user disconnected and an event sent
    let deleted = client
        .delete_message()
        .room_identifier(&room)
        .id("AbCdEf123456")
        .reason("spam")
        .send()
        .await
        .expect("DeleteMessage succeeds");
    client
        .disconnect_user()
        .room_identifier(&room)
        .user_id("troll")
        .reason("abuse")
        .send()
        .await
        .expect("DisconnectUser succeeds");
    let event = client
        .send_event()
        .room_identifier(&room)
        .event_name("app:stream_live")
        .attributes("channel", "main")
        .send()
        .await
        .expect("SendEvent succeeds");
    // THEN ids come back and the journal records all three in order, with their details
    let delete_id = deleted.id().expect("operation id");
    let event_id = event.id().expect("operation id");
    assert!(is_twelve_alphanumerics(delete_id) && is_twelve_alphanumerics(event_id));
    let journal = emulator.journal();
    assert_eq!(journal.len(), 3);
    assert_eq!(journal[0].action, JournalAction::DeleteMessage);
    assert_eq!(journal[0].operation_id, delete_id);
    assert_eq!(journal[0].message_id.as_deref(), Some("AbCdEf123456"));
    assert_eq!(journal[0].reason.as_deref(), Some("spam"));
    assert_eq!(journal[1].action, JournalAction::DisconnectUser);
    assert_eq!(journal[1].user_id.as_deref(), Some("troll"));
    assert_eq!(journal[2].action, JournalAction::SendEvent);
    assert_eq!(journal[2].operation_id, event_id);
    assert_eq!(journal[2].event_name.as_deref(), Some("app:stream_live"));
    assert_eq!(journal[2].attributes["channel"], "main");
    assert!(journal.iter().all(|entry| entry.room_arn == room));
    assert_eq!(
        journal.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
}

#[tokio::test]
async fn moderation_calls_on_unknown_rooms_are_not_found_and_not_journaled() {
    // GIVEN no rooms
    let emulator = start().await;
    let client = client(&emulator);
    let missing = "arn:aws:ivschat:us-east-1:123456789012:room/AAAAAAAAAAAA";
    // WHEN each moderation call targets a missing room
    let errors = [
        client
            .delete_message()
            .room_identifier(missing)
            .id("AbCdEf123456")
            .send()
            .await
            .expect_err("missing room")
            .into_service_error()
            .is_resource_not_found_exception(),
        client
            .disconnect_user()
            .room_identifier(missing)
            .user_id("u")
            .send()
            .await
            .expect_err("missing room")
            .into_service_error()
            .is_resource_not_found_exception(),
        client
            .send_event()
            .room_identifier(missing)
            .event_name("e")
            .send()
            .await
            .expect_err("missing room")
            .into_service_error()
            .is_resource_not_found_exception(),
    ];
    // THEN each is ResourceNotFound and nothing is journaled
    assert_eq!(errors, [true, true, true]);
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn tags_round_trip_and_untag_removes_only_the_named_keys() {
    // GIVEN a room and a logging configuration
    let emulator = start().await;
    let client = client(&emulator);
    let room = create_room(&client, "tagged").await;
    let logging = create_logging_configuration(&client, "tag-logs").await;
    for arn in [&room, &logging] {
        // WHEN three tags are added, one overwritten, and two removed
        client
            .tag_resource()
            .resource_arn(arn)
            .tags("a", "1")
            .tags("b", "2")
            .tags("c", "3")
            .send()
            .await
            .expect("TagResource");
        client
            .tag_resource()
            .resource_arn(arn)
            .tags("a", "one")
            .send()
            .await
            .expect("TagResource overwrite");
        client
            .untag_resource()
            .resource_arn(arn)
            .tag_keys("b")
            .tag_keys("c")
            .tag_keys("never-set")
            .send()
            .await
            .expect("UntagResource");
        // THEN only the untouched, overwritten tag remains
        let listed = client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .expect("ListTagsForResource");
        assert_eq!(listed.tags().len(), 1, "tags on {arn}: {:?}", listed.tags());
        assert_eq!(listed.tags().get("a").map(String::as_str), Some("one"));
    }
}

#[tokio::test]
async fn tag_operations_on_unknown_resources_are_not_found() {
    // GIVEN an ARN of a room that does not exist
    let emulator = start().await;
    let client = client(&emulator);
    let missing = "arn:aws:ivschat:us-east-1:123456789012:room/ZZZZZZZZZZZZ";
    // WHEN it is listed, tagged and untagged THEN each is ResourceNotFound
    assert!(
        client
            .list_tags_for_resource()
            .resource_arn(missing)
            .send()
            .await
            .expect_err("missing")
            .into_service_error()
            .is_resource_not_found_exception()
    );
    assert!(
        client
            .tag_resource()
            .resource_arn(missing)
            .tags("k", "v")
            .send()
            .await
            .expect_err("missing")
            .into_service_error()
            .is_resource_not_found_exception()
    );
    assert!(
        client
            .untag_resource()
            .resource_arn(missing)
            .tag_keys("k")
            .send()
            .await
            .expect_err("missing")
            .into_service_error()
            .is_resource_not_found_exception()
    );
}

#[tokio::test]
async fn tagging_past_fifty_tags_is_a_validation_error() {
    // GIVEN a room with 50 tags
    let emulator = start().await;
    let client = client(&emulator);
    let room = create_room(&client, "full").await;
    let mut request = client.tag_resource().resource_arn(&room);
    for i in 0..50 {
        request = request.tags(format!("k{i}"), "v");
    }
    request.send().await.expect("50 tags fit");
    // WHEN a 51st is added
    let error = client
        .tag_resource()
        .resource_arn(&room)
        .tags("one-more", "v")
        .send()
        .await
        .expect_err("over the limit")
        .into_service_error();
    // THEN it is a ValidationException on tags and the room keeps 50
    assert!(error.is_validation_exception(), "{error:?}");
    assert_eq!(emulator.rooms()[0].tags.len(), 50);
}

#[tokio::test]
async fn logging_configuration_lifecycle_with_each_destination() {
    // GIVEN a running emulator
    let emulator = start().await;
    let client = client(&emulator);
    // WHEN a CloudWatch Logs configuration is created, read, switched to Firehose, listed, deleted
    let created = client
        .create_logging_configuration()
        .name("audit")
        .destination_configuration(DestinationConfiguration::CloudWatchLogs(
            CloudWatchLogsDestinationConfiguration::builder()
                .log_group_name("/ivs/chat")
                .build()
                .expect("group set"),
        ))
        .tags("env", "dev")
        .send()
        .await
        .expect("CreateLoggingConfiguration");
    let arn = created.arn().expect("arn").to_owned();
    assert!(is_twelve_alphanumerics(created.id().expect("id")));
    assert!(arn.starts_with("arn:aws:ivschat:us-east-1:123456789012:logging-configuration/"));
    assert_eq!(
        created.state(),
        Some(&aws_sdk_ivschat::types::CreateLoggingConfigurationState::Active)
    );
    let fetched = client
        .get_logging_configuration()
        .identifier(&arn)
        .send()
        .await
        .expect("GetLoggingConfiguration");
    assert_eq!(fetched.name(), Some("audit"));
    assert_eq!(fetched.state(), Some(&LoggingConfigurationState::Active));
    assert!(matches!(
        fetched.destination_configuration(),
        Some(DestinationConfiguration::CloudWatchLogs(c)) if c.log_group_name() == "/ivs/chat"
    ));
    let updated = client
        .update_logging_configuration()
        .identifier(&arn)
        .destination_configuration(DestinationConfiguration::Firehose(
            FirehoseDestinationConfiguration::builder()
                .delivery_stream_name("chat-stream")
                .build()
                .expect("stream set"),
        ))
        .send()
        .await
        .expect("UpdateLoggingConfiguration");
    // THEN each step shows the change
    assert_eq!(updated.name(), Some("audit"));
    assert!(matches!(
        updated.destination_configuration(),
        Some(DestinationConfiguration::Firehose(f)) if f.delivery_stream_name() == "chat-stream"
    ));
    let listed = client
        .list_logging_configurations()
        .send()
        .await
        .expect("ListLoggingConfigurations");
    assert_eq!(listed.logging_configurations().len(), 1);
    assert_eq!(
        listed.logging_configurations()[0]
            .tags()
            .and_then(|t| t.get("env"))
            .map(String::as_str),
        Some("dev")
    );
    client
        .delete_logging_configuration()
        .identifier(&arn)
        .send()
        .await
        .expect("DeleteLoggingConfiguration");
    assert!(emulator.logging_configurations().is_empty());
    assert!(
        client
            .get_logging_configuration()
            .identifier(&arn)
            .send()
            .await
            .expect_err("deleted")
            .into_service_error()
            .is_resource_not_found_exception()
    );
}

#[tokio::test]
async fn deleting_an_attached_logging_configuration_is_a_conflict() {
    // GIVEN a logging configuration attached to a room
    let emulator = start().await;
    let client = client(&emulator);
    let logging = create_logging_configuration(&client, "attached").await;
    let room = client
        .create_room()
        .logging_configuration_identifiers(&logging)
        .send()
        .await
        .expect("room")
        .arn()
        .expect("arn")
        .to_owned();
    // WHEN it is deleted
    let error = client
        .delete_logging_configuration()
        .identifier(&logging)
        .send()
        .await
        .expect_err("still attached")
        .into_service_error();
    // THEN it is a ConflictException and survives; after detaching, deletion works
    let DeleteLoggingConfigurationError::ConflictException(conflict) = &error else {
        panic!("expected ConflictException, got {error:?}");
    };
    assert_eq!(
        conflict.resource_id(),
        logging.rsplit('/').next().expect("id")
    );
    assert_eq!(emulator.logging_configurations().len(), 1);
    client
        .update_room()
        .identifier(&room)
        .set_logging_configuration_identifiers(Some(vec![]))
        .send()
        .await
        .expect("detach");
    client
        .delete_logging_configuration()
        .identifier(&logging)
        .send()
        .await
        .expect("deletes once detached");
}

#[tokio::test]
async fn attaching_a_logging_configuration_that_is_not_active_is_a_conflict() {
    // GIVEN a logging configuration caught mid-deletion
    let emulator = start().await;
    let client = client(&emulator);
    let logging = create_logging_configuration(&client, "busy").await;
    emulator
        .set_logging_configuration_state(
            &logging,
            ivschat_emulator::LoggingConfigurationState::Deleting,
        )
        .expect("exists");
    // WHEN a room is created with it, or it is updated
    let create = client
        .create_room()
        .logging_configuration_identifiers(&logging)
        .send()
        .await
        .expect_err("not active")
        .into_service_error();
    let update = client
        .update_logging_configuration()
        .identifier(&logging)
        .name("x")
        .send()
        .await
        .expect_err("not active")
        .into_service_error();
    // THEN both are ConflictException and no room exists
    assert!(
        matches!(create, CreateRoomError::ConflictException(_)),
        "{create:?}"
    );
    assert!(update.is_conflict_exception(), "{update:?}");
    assert!(emulator.rooms().is_empty());
}

#[tokio::test]
async fn referencing_an_unknown_logging_configuration_is_not_found() {
    // GIVEN no logging configurations
    let emulator = start().await;
    let client = client(&emulator);
    let missing = "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/QQQQQQQQQQQQ";
    // WHEN a room references one, and rooms are filtered by one
    let create = client
        .create_room()
        .logging_configuration_identifiers(missing)
        .send()
        .await
        .expect_err("unknown")
        .into_service_error();
    let list = client
        .list_rooms()
        .logging_configuration_identifier(missing)
        .send()
        .await
        .expect_err("unknown")
        .into_service_error();
    // THEN both are ResourceNotFound
    assert!(create.is_resource_not_found_exception(), "{create:?}");
    assert!(list.is_resource_not_found_exception(), "{list:?}");
}

#[tokio::test]
async fn room_quota_is_a_402_service_quota_exceeded_with_the_limit() {
    // GIVEN an emulator allowing two rooms, both used
    let emulator = common::start_with(ivschat_emulator::Emulator::builder().room_quota(2)).await;
    let client = client(&emulator);
    create_room(&client, "a").await;
    create_room(&client, "b").await;
    // WHEN a third is created
    let error = client
        .create_room()
        .send()
        .await
        .expect_err("over quota")
        .into_service_error();
    // THEN the SDK parses ServiceQuotaExceededException with limit 2
    let CreateRoomError::ServiceQuotaExceededException(quota) = &error else {
        panic!("expected ServiceQuotaExceededException, got {error:?}");
    };
    assert_eq!(quota.limit(), 2);
    assert_eq!(quota.resource_type(), &ResourceType::Room);
    assert_eq!(emulator.rooms().len(), 2);
}

#[tokio::test]
async fn logging_configuration_quota_defaults_to_ten() {
    // GIVEN ten logging configurations
    let emulator = start().await;
    let client = client(&emulator);
    for i in 0..10 {
        create_logging_configuration(&client, &format!("bucket-{i}")).await;
    }
    // WHEN an eleventh is created
    let error = client
        .create_logging_configuration()
        .destination_configuration(DestinationConfiguration::S3(
            aws_sdk_ivschat::types::S3DestinationConfiguration::builder()
                .bucket_name("bucket-10")
                .build()
                .expect("bucket"),
        ))
        .send()
        .await
        .expect_err("over quota")
        .into_service_error();
    // THEN it is ServiceQuotaExceeded with limit 10
    assert!(error.is_service_quota_exceeded_exception(), "{error:?}");
    assert_eq!(error.code(), Some("ServiceQuotaExceededException"));
    assert_eq!(emulator.logging_configurations().len(), 10);
}

#[tokio::test]
async fn field_violations_come_back_as_validation_exceptions_with_field_lists() {
    // GIVEN a room
    let emulator = start().await;
    let client = client(&emulator);
    let room = create_room(&client, "v").await;
    // WHEN requests break the model's constraints
    let too_long_name = client
        .create_room()
        .name("x".repeat(129))
        .send()
        .await
        .expect_err("name too long")
        .into_service_error();
    let bad_rate = client
        .create_room()
        .maximum_message_rate_per_second(101)
        .send()
        .await
        .expect_err("rate too high")
        .into_service_error();
    let bad_session = client
        .create_chat_token()
        .room_identifier(&room)
        .user_id("u")
        .session_duration_in_minutes(181)
        .send()
        .await
        .expect_err("session too long")
        .into_service_error();
    let short_message_id = client
        .delete_message()
        .room_identifier(&room)
        .id("short")
        .send()
        .await
        .expect_err("id not 12")
        .into_service_error();
    let bare_id = client
        .get_room()
        .identifier("AbCdEf123456")
        .send()
        .await
        .expect_err("must be an ARN")
        .into_service_error();
    let big_attributes = client
        .send_event()
        .room_identifier(&room)
        .event_name("e")
        .attributes("k", "v".repeat(1100))
        .send()
        .await
        .expect_err("attributes over 1 KB")
        .into_service_error();
    // THEN each is a FIELD_VALIDATION_FAILED ValidationException naming the member
    let field_of = |e: &aws_sdk_ivschat::types::error::ValidationException| {
        assert_eq!(
            e.reason(),
            &ValidationExceptionReason::FieldValidationFailed
        );
        e.field_list()[0].name().to_owned()
    };
    let CreateRoomError::ValidationException(e) = &too_long_name else {
        panic!("{too_long_name:?}")
    };
    assert_eq!(field_of(e), "name");
    assert_eq!(
        e.field_list()[0].message(),
        "must be at most 128 characters"
    );
    let CreateRoomError::ValidationException(e) = &bad_rate else {
        panic!("{bad_rate:?}")
    };
    assert_eq!(field_of(e), "maximumMessageRatePerSecond");
    let aws_sdk_ivschat::operation::create_chat_token::CreateChatTokenError::ValidationException(e) =
        &bad_session
    else {
        panic!("{bad_session:?}")
    };
    assert_eq!(field_of(e), "sessionDurationInMinutes");
    let aws_sdk_ivschat::operation::delete_message::DeleteMessageError::ValidationException(e) =
        &short_message_id
    else {
        panic!("{short_message_id:?}")
    };
    assert_eq!(field_of(e), "id");
    let GetRoomError::ValidationException(e) = &bare_id else {
        panic!("{bare_id:?}")
    };
    assert_eq!(field_of(e), "identifier");
    let aws_sdk_ivschat::operation::send_event::SendEventError::ValidationException(e) =
        &big_attributes
    else {
        panic!("{big_attributes:?}")
    };
    assert_eq!(field_of(e), "attributes");
    assert_eq!(emulator.rooms().len(), 1);
}

#[tokio::test]
async fn more_than_three_logging_configurations_per_room_is_rejected() {
    // GIVEN four logging configurations
    let emulator = start().await;
    let client = client(&emulator);
    let mut arns = Vec::new();
    for i in 0..4 {
        arns.push(create_logging_configuration(&client, &format!("four-{i}")).await);
    }
    // WHEN a room asks for all four
    let error = client
        .create_room()
        .set_logging_configuration_identifiers(Some(arns))
        .send()
        .await
        .expect_err("four is too many")
        .into_service_error();
    // THEN the list is the offending field
    let CreateRoomError::ValidationException(e) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(e.field_list()[0].name(), "loggingConfigurationIdentifiers");
}

#[tokio::test]
async fn a_destination_must_name_exactly_one_valid_target() {
    // GIVEN a running emulator
    let emulator = start().await;
    let client = client(&emulator);
    // WHEN the S3 bucket name breaks its pattern
    let error = client
        .create_logging_configuration()
        .destination_configuration(DestinationConfiguration::S3(
            aws_sdk_ivschat::types::S3DestinationConfiguration::builder()
                .bucket_name("Upper_Case")
                .build()
                .expect("bucket"),
        ))
        .send()
        .await
        .expect_err("bad bucket")
        .into_service_error();
    // THEN the nested member is named
    let aws_sdk_ivschat::operation::create_logging_configuration::CreateLoggingConfigurationError::ValidationException(e) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        e.field_list()[0].name(),
        "destinationConfiguration.s3.bucketName"
    );
    assert!(emulator.logging_configurations().is_empty());
}

#[tokio::test]
async fn review_handler_uri_must_be_a_lambda_arn() {
    // GIVEN a running emulator
    let emulator = start().await;
    let client = client(&emulator);
    // WHEN a room names a non-Lambda handler
    let error = client
        .create_room()
        .message_review_handler(
            MessageReviewHandler::builder()
                .uri("https://example.com/review")
                .build(),
        )
        .send()
        .await
        .expect_err("not a lambda")
        .into_service_error();
    // THEN the nested member is named
    let CreateRoomError::ValidationException(e) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(e.field_list()[0].name(), "messageReviewHandler.uri");
}

#[tokio::test]
async fn unknown_logging_configuration_operations_are_not_found() {
    // GIVEN no logging configurations
    let emulator = start().await;
    let client = client(&emulator);
    let missing = "arn:aws:ivschat:us-east-1:123456789012:logging-configuration/QQQQQQQQQQQQ";
    // WHEN it is updated and deleted THEN both are ResourceNotFound
    assert!(
        client
            .update_logging_configuration()
            .identifier(missing)
            .name("x")
            .send()
            .await
            .expect_err("missing")
            .into_service_error()
            .is_resource_not_found_exception()
    );
    assert!(
        client
            .delete_logging_configuration()
            .identifier(missing)
            .send()
            .await
            .expect_err("missing")
            .into_service_error()
            .is_resource_not_found_exception()
    );
}
