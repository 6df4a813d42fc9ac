//! Fault injection seen through the SDK: retryable errors surface without retries and are
//! recovered from with them.

mod common;

use std::time::{Duration, Instant};

use aws_sdk_ivschat::error::ProvideErrorMetadata;
use aws_sdk_ivschat::operation::send_event::SendEventError;
use common::{client, create_room, retrying_client, start};
use ivschat_emulator::{Emulator, FaultKind, FaultRule, FaultTrigger};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn rule(operation: &str, kind: FaultKind, trigger: FaultTrigger) -> FaultRule {
    FaultRule {
        operation: operation.into(),
        kind,
        trigger,
        probability: None,
    }
}

#[tokio::test]
async fn a_throttle_surfaces_as_throttling_exception_when_retries_are_off() {
    // GIVEN a room and one injected SendEvent throttle
    let emulator = start().await;
    let client = client(&emulator);
    let room = create_room(&client, "t").await;
    emulator
        .set_fault(rule(
            "SendEvent",
            FaultKind::Throttle,
            FaultTrigger::NextCalls(1),
        ))
        .expect("valid");
    // WHEN SendEvent is called twice without retries
    let first = client
        .send_event()
        .room_identifier(&room)
        .event_name("e")
        .send()
        .await
        .expect_err("throttled")
        .into_service_error();
    let second = client
        .send_event()
        .room_identifier(&room)
        .event_name("e")
        .send()
        .await;
    // THEN the first is a ThrottlingException naming the room and limit, the second succeeds
    let SendEventError::ThrottlingException(throttle) = &first else {
        panic!("expected ThrottlingException, got {first:?}");
    };
    assert_eq!(throttle.limit(), 100);
    assert_eq!(throttle.resource_id(), room.rsplit('/').next().expect("id"));
    assert!(second.is_ok());
    assert_eq!(emulator.journal().len(), 1);
    assert!(emulator.faults().is_empty());
}

#[tokio::test]
async fn the_sdk_retries_through_throttles_and_internal_errors() {
    // GIVEN two throttles then one internal error on CreateRoom
    let emulator = start().await;
    emulator
        .set_fault(rule(
            "CreateRoom",
            FaultKind::Throttle,
            FaultTrigger::NextCalls(2),
        ))
        .expect("valid");
    emulator
        .set_fault(rule(
            "CreateRoom",
            FaultKind::InternalError,
            FaultTrigger::NextCalls(1),
        ))
        .expect("valid");
    let client = retrying_client(&emulator);
    // WHEN a room is created with standard retries (4 attempts)
    let created = client.create_room().name("recovered").send().await;
    // THEN the fourth attempt succeeds and exactly one room exists
    assert!(created.is_ok(), "{created:?}");
    assert_eq!(emulator.rooms().len(), 1);
    assert!(emulator.faults().is_empty());
}

#[tokio::test]
async fn an_internal_error_fault_on_every_call_is_a_500_internal_server_exception() {
    // GIVEN every ListTagsForResource failing
    let emulator = start().await;
    let client = client(&emulator);
    let room = create_room(&client, "i").await;
    emulator
        .set_fault(rule(
            "ListTagsForResource",
            FaultKind::InternalError,
            FaultTrigger::EveryCall,
        ))
        .expect("valid");
    // WHEN it is called twice
    for _ in 0..2 {
        let error = client
            .list_tags_for_resource()
            .resource_arn(&room)
            .send()
            .await
            .expect_err("injected")
            .into_service_error();
        // THEN each is the modeled InternalServerException
        assert!(error.is_internal_server_exception(), "{error:?}");
    }
    // AND other operations are untouched
    assert!(client.get_room().identifier(&room).send().await.is_ok());
}

#[tokio::test]
async fn unmodeled_throttles_still_carry_their_code() {
    // GIVEN a throttle on CreateChatToken, whose model lists no ThrottlingException
    let emulator = start().await;
    let client = client(&emulator);
    let room = create_room(&client, "u").await;
    emulator
        .set_fault(rule(
            "CreateChatToken",
            FaultKind::Throttle,
            FaultTrigger::NextCalls(1),
        ))
        .expect("valid");
    // WHEN a token is requested
    let error = client
        .create_chat_token()
        .room_identifier(&room)
        .user_id("u")
        .send()
        .await
        .expect_err("throttled")
        .into_service_error();
    // THEN the SDK reports it unhandled with code ThrottlingException
    assert_eq!(error.code(), Some("ThrottlingException"));
}

#[tokio::test]
async fn latency_faults_delay_the_answer() {
    // GIVEN 300 ms latency on GetRoom from the builder
    let emulator = common::start_with(Emulator::builder().fault(rule(
        "GetRoom",
        FaultKind::Latency { millis: 300 },
        FaultTrigger::EveryCall,
    )))
    .await;
    let client = client(&emulator);
    let room = create_room(&client, "slow").await;
    // WHEN GetRoom is called
    let started = Instant::now();
    let fetched = client.get_room().identifier(&room).send().await;
    // THEN it succeeds, no sooner than the latency
    assert!(fetched.is_ok());
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn probabilistic_faults_are_reproducible_with_a_seed() {
    // GIVEN two emulators with the same seed and a 50% throttle on ListRooms
    let outcomes = |seed| async move {
        let emulator = common::start_with(
            Emulator::builder()
                .fault_seed(seed)
                .fault(FaultRule::parse("ListRooms=throttle@0.5").expect("valid")),
        )
        .await;
        let client = client(&emulator);
        let mut hits = Vec::new();
        for _ in 0..20 {
            hits.push(client.list_rooms().send().await.is_err());
        }
        hits
    };
    // WHEN each answers 20 calls
    let first = outcomes(11).await;
    let second = outcomes(11).await;
    // THEN the same calls fail, and some but not all do
    assert_eq!(first, second);
    assert!(first.contains(&true) && first.contains(&false), "{first:?}");
}

#[tokio::test]
async fn faults_can_be_set_listed_and_cleared_over_the_admin_endpoint() {
    // GIVEN a running emulator and a plain HTTP client
    let emulator = start().await;
    let client = client(&emulator);
    let http = reqwest::Client::new();
    let faults_url = format!("{}/_emulator/faults", emulator.url());
    // WHEN a CLI-style spec and a JSON rule are posted
    let by_spec = http
        .post(&faults_url)
        .json(&json!({ "spec": "CreateRoom=throttle:1" }))
        .send()
        .await
        .expect("answered");
    let by_rule = http
        .post(&faults_url)
        .json(&json!({ "operation": "GetRoom", "kind": "internalError", "trigger": "everyCall" }))
        .send()
        .await
        .expect("answered");
    let rejected = http
        .post(&faults_url)
        .json(&json!({ "spec": "Explode=throttle" }))
        .send()
        .await
        .expect("answered");
    // THEN both are active and the SDK sees the throttle
    assert_eq!(by_spec.status(), StatusCode::OK);
    assert_eq!(by_rule.status(), StatusCode::OK);
    assert_eq!(rejected.status(), StatusCode::BAD_REQUEST);
    let listed: Value = http
        .get(&faults_url)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    assert_eq!(listed["faults"].as_array().map(Vec::len), Some(2));
    let error = client
        .create_room()
        .send()
        .await
        .expect_err("throttled")
        .into_service_error();
    assert!(
        error.meta().code() == Some("ThrottlingException"),
        "{error:?}"
    );
    // AND WHEN they are cleared THEN calls succeed again
    let cleared = http.delete(&faults_url).send().await.expect("answered");
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert!(emulator.faults().is_empty());
    assert!(client.create_room().send().await.is_ok());
}
