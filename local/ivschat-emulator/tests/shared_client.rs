//! The project's own `ivschat_api::ChatClient` against the emulator: every method succeeds, and
//! each service error arrives as the matching `IvsChatError` variant.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::start;
use ivschat_api::model::{
    Capability, CreateChatTokenRequest, CreateLoggingConfigurationRequest, CreateRoomRequest,
    DeleteMessageRequest, Destination, DisconnectUserRequest, FallbackResult, ListRoomsRequest,
    MessageReviewHandler, SendEventRequest, TagResourceRequest, UntagResourceRequest,
    UpdateLoggingConfigurationRequest, UpdateRoomRequest,
};
use ivschat_api::{ChatClient, ClientSettings, IvsChatError, ResourceArn, RoomArn};
use ivschat_emulator::{Emulator, FaultRule, JournalAction, RunningEmulator};

fn chat_client(emulator: &RunningEmulator, max_attempts: u32) -> ChatClient {
    ChatClient::for_endpoint(
        emulator.url(),
        "us-east-1",
        "test",
        "test",
        ClientSettings {
            max_attempts,
            connect_timeout: Duration::from_secs(2),
            operation_attempt_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(15),
        },
    )
}

#[tokio::test]
async fn every_chat_client_method_works_against_the_emulator() {
    // GIVEN the project's client pointed at an emulator
    let emulator = start().await;
    let client = chat_client(&emulator, 1);
    // WHEN a logging configuration and a room are created, used, listed, tagged and deleted
    let logging = client
        .create_logging_configuration(&CreateLoggingConfigurationRequest {
            name: Some("audit".into()),
            destination: Destination::S3 {
                bucket_name: "chat-audit".into(),
            },
            tags: BTreeMap::new(),
        })
        .await
        .expect("CreateLoggingConfiguration");
    let room = client
        .create_room(&CreateRoomRequest {
            name: Some("shared".into()),
            message_review_handler: Some(MessageReviewHandler {
                uri: "arn:aws:lambda:us-east-1:123456789012:function:review".into(),
                fallback_result: FallbackResult::Deny,
            }),
            logging_configuration_identifiers: vec![logging.arn.clone()],
            ..CreateRoomRequest::default()
        })
        .await
        .expect("CreateRoom");
    let fetched = client.get_room(&room.arn).await.expect("GetRoom");
    let mut update = UpdateRoomRequest::new(room.arn.clone());
    update.maximum_message_length = Some(200);
    let updated = client.update_room(&update).await.expect("UpdateRoom");
    let mut token_request = CreateChatTokenRequest::new(room.arn.clone(), "alice");
    token_request.capabilities = vec![Capability::SendMessage];
    let token = client
        .create_chat_token(&token_request)
        .await
        .expect("CreateChatToken");
    let deleted_id = client
        .delete_message(&DeleteMessageRequest {
            room: room.arn.clone(),
            message_id: "AbCdEf123456".into(),
            reason: Some("spam".into()),
        })
        .await
        .expect("DeleteMessage");
    client
        .disconnect_user(&DisconnectUserRequest {
            room: room.arn.clone(),
            user_id: "troll".into(),
            reason: None,
        })
        .await
        .expect("DisconnectUser");
    let event_id = client
        .send_event(&SendEventRequest {
            room: room.arn.clone(),
            event_name: "app:live".into(),
            attributes: BTreeMap::from([("k".into(), "v".into())]),
        })
        .await
        .expect("SendEvent");
    let resource = ResourceArn::from(room.arn.clone());
    client
        .tag_resource(&TagResourceRequest {
            resource: resource.clone(),
            tags: BTreeMap::from([("a".into(), "1".into()), ("b".into(), "2".into())]),
        })
        .await
        .expect("TagResource");
    client
        .untag_resource(&UntagResourceRequest {
            resource: resource.clone(),
            tag_keys: vec!["a".into()],
        })
        .await
        .expect("UntagResource");
    let tags = client
        .list_tags_for_resource(&resource)
        .await
        .expect("ListTagsForResource");
    let rooms = client
        .list_all_rooms(&ListRoomsRequest::default(), 100)
        .await
        .expect("ListRooms");
    let updated_logging = client
        .update_logging_configuration(&UpdateLoggingConfigurationRequest {
            logging_configuration: logging.arn.clone(),
            name: Some("audit2".into()),
            destination: None,
        })
        .await
        .expect("UpdateLoggingConfiguration");
    let fetched_logging = client
        .get_logging_configuration(&logging.arn)
        .await
        .expect("GetLoggingConfiguration");
    let configs = client
        .list_all_logging_configurations(100)
        .await
        .expect("ListLoggingConfigurations");
    client.delete_room(&room.arn).await.expect("DeleteRoom");
    client
        .delete_logging_configuration(&logging.arn)
        .await
        .expect("DeleteLoggingConfiguration");
    // THEN every result agrees with the emulator's state
    assert_eq!(fetched.arn, room.arn);
    assert_eq!(
        fetched.message_review_handler.map(|h| h.fallback_result),
        Some(FallbackResult::Deny)
    );
    assert_eq!(updated.maximum_message_length, 200);
    assert!(token.session_expiration_time > token.token_expiration_time - Duration::from_secs(1));
    let verified = emulator.verify_chat_token(&token.token).expect("verifies");
    assert_eq!(verified.user_id, "alice");
    let journal = emulator.journal();
    assert_eq!(journal.len(), 3);
    assert_eq!(journal[0].operation_id, deleted_id);
    assert_eq!(journal[1].action, JournalAction::DisconnectUser);
    assert_eq!(journal[2].operation_id, event_id);
    assert_eq!(tags, BTreeMap::from([("b".into(), "2".into())]));
    assert_eq!(rooms.len(), 1);
    assert_eq!(updated_logging.name, "audit2");
    assert_eq!(fetched_logging.name, "audit2");
    assert_eq!(configs.len(), 1);
    assert!(emulator.rooms().is_empty());
    assert!(emulator.logging_configurations().is_empty());
}

#[tokio::test]
async fn service_errors_map_to_the_matching_chat_client_variants() {
    // GIVEN an emulator allowing one room, holding one room attached to a configuration
    let emulator = common::start_with(Emulator::builder().room_quota(1)).await;
    let client = chat_client(&emulator, 1);
    let logging = client
        .create_logging_configuration(&CreateLoggingConfigurationRequest {
            name: None,
            destination: Destination::CloudWatchLogs {
                log_group_name: "chat".into(),
            },
            tags: BTreeMap::new(),
        })
        .await
        .expect("created");
    client
        .create_room(&CreateRoomRequest {
            logging_configuration_identifiers: vec![logging.arn.clone()],
            ..CreateRoomRequest::default()
        })
        .await
        .expect("created");
    let missing = RoomArn::parse(
        "identifier",
        "arn:aws:ivschat:us-east-1:123456789012:room/AAAAAAAAAAAA",
    )
    .expect("well-formed");
    // WHEN calls hit a missing room, the quota, an attached configuration and a bad token
    let not_found = client.get_room(&missing).await.expect_err("missing");
    let quota = client
        .create_room(&CreateRoomRequest::default())
        .await
        .expect_err("quota");
    let conflict = client
        .delete_logging_configuration(&logging.arn)
        .await
        .expect_err("attached");
    let bad_token = client
        .list_rooms(&ListRoomsRequest::default(), Some("forged-token"))
        .await
        .expect_err("forged");
    // THEN each arrives as its own variant with the service's details
    assert!(
        matches!(&not_found, IvsChatError::ResourceNotFound { resource_id, .. } if resource_id == "AAAAAAAAAAAA"),
        "{not_found:?}"
    );
    assert!(
        matches!(&quota, IvsChatError::ServiceQuotaExceeded { limit: 1, .. }),
        "{quota:?}"
    );
    assert!(
        matches!(&conflict, IvsChatError::Conflict { .. }),
        "{conflict:?}"
    );
    assert!(
        matches!(&bad_token, IvsChatError::Validation { fields, .. } if fields.first().is_some_and(|f| f.name == "nextToken")),
        "{bad_token:?}"
    );
    assert!(
        ![&not_found, &quota, &conflict, &bad_token]
            .iter()
            .any(|e| e.is_retryable())
    );
}

#[tokio::test]
async fn injected_throttles_are_retryable_and_the_client_recovers_with_retries() {
    // GIVEN a room, a single-attempt client and a retrying client
    let emulator = start().await;
    let once = chat_client(&emulator, 1);
    let retrying = chat_client(&emulator, 3);
    let room = once
        .create_room(&CreateRoomRequest::default())
        .await
        .expect("created");
    let event = SendEventRequest {
        room: room.arn.clone(),
        event_name: "e".into(),
        attributes: BTreeMap::new(),
    };
    emulator
        .set_fault(FaultRule::parse("SendEvent=throttle:1").expect("valid"))
        .expect("valid");
    emulator
        .set_fault(FaultRule::parse("GetRoom=throttle:1").expect("valid"))
        .expect("valid");
    // WHEN the single-attempt client calls SendEvent (which models ThrottlingException) and
    // GetRoom (which does not)
    let modeled = once.send_event(&event).await.expect_err("throttled");
    let unmodeled = once.get_room(&room.arn).await.expect_err("throttled");
    // THEN both are retryable Throttling errors carrying the room and the operation's limit
    // (read from the raw body where the SDK does not model the error for the operation)
    assert!(
        matches!(&modeled, IvsChatError::Throttling { limit: 100, resource_id, .. } if resource_id == &room.id),
        "{modeled:?}"
    );
    assert!(
        matches!(&unmodeled, IvsChatError::Throttling { limit: 5, resource_id, .. } if resource_id == &room.id),
        "{unmodeled:?}"
    );
    assert!(modeled.is_retryable() && unmodeled.is_retryable());
    assert!(emulator.journal().is_empty());
    // AND WHEN an internal error is injected for the retrying client THEN it recovers
    emulator
        .set_fault(FaultRule::parse("SendEvent=internal:1").expect("valid"))
        .expect("valid");
    let recovered = retrying.send_event(&event).await;
    assert!(recovered.is_ok(), "{recovered:?}");
    assert_eq!(emulator.journal().len(), 1);
    assert!(emulator.faults().is_empty());
}
