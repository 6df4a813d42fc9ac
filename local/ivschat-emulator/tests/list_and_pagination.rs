//! ListRooms and ListLoggingConfigurations: filters, order, and nextToken pagination.

mod common;

use std::collections::BTreeSet;

use aws_sdk_ivschat::operation::list_rooms::ListRoomsError;
use aws_sdk_ivschat::types::{MessageReviewHandler, ValidationExceptionReason};
use common::{client, create_logging_configuration, create_room, start};

#[tokio::test]
async fn list_rooms_pages_through_every_room_exactly_once_in_update_order() {
    // GIVEN 23 rooms
    let emulator = start().await;
    let client = client(&emulator);
    let mut created = BTreeSet::new();
    for i in 0..23 {
        created.insert(create_room(&client, &format!("room-{i}")).await);
    }
    // WHEN they are listed 5 at a time until no nextToken comes back
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    for _ in 0..10 {
        let page = client
            .list_rooms()
            .max_results(5)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("ListRooms");
        pages += 1;
        assert!(page.rooms().len() <= 5);
        seen.extend(page.rooms().iter().cloned());
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    // THEN 5 pages hold every room once, ordered by updateTime descending
    assert_eq!(pages, 5);
    let arns: BTreeSet<String> = seen
        .iter()
        .filter_map(|r| r.arn().map(str::to_owned))
        .collect();
    assert_eq!(arns, created);
    assert_eq!(seen.len(), 23);
    let times: Vec<_> = seen
        .iter()
        .map(|r| *r.update_time().expect("time"))
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "not descending: {times:?}"
    );
}

#[tokio::test]
async fn the_sdk_paginator_collects_all_rooms() {
    // GIVEN 12 rooms
    let emulator = start().await;
    let client = client(&emulator);
    for i in 0..12 {
        create_room(&client, &format!("p{i}")).await;
    }
    // WHEN the SDK's paginator walks pages of 5
    let pages: Vec<_> = client
        .list_rooms()
        .max_results(5)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    // THEN it sees all 12 over 3 pages
    assert_eq!(pages.len(), 3);
    let rooms: usize = pages
        .iter()
        .map(|page| page.as_ref().expect("page").rooms().len())
        .sum();
    assert_eq!(rooms, 12);
}

#[tokio::test]
async fn an_updated_room_moves_to_the_front() {
    // GIVEN three rooms, the first created oldest
    let emulator = start().await;
    let client = client(&emulator);
    let oldest = create_room(&client, "oldest").await;
    create_room(&client, "middle").await;
    create_room(&client, "newest").await;
    // WHEN the oldest is updated
    client
        .update_room()
        .identifier(&oldest)
        .maximum_message_length(10)
        .send()
        .await
        .expect("UpdateRoom");
    // THEN it is listed first
    let listed = client.list_rooms().send().await.expect("ListRooms");
    assert_eq!(listed.rooms()[0].arn(), Some(oldest.as_str()));
}

#[tokio::test]
async fn list_rooms_filters_by_name_handler_and_logging_configuration() {
    // GIVEN rooms that differ by name, handler and logging configuration
    let emulator = start().await;
    let client = client(&emulator);
    let handler = "arn:aws:lambda:us-east-1:123456789012:function:review";
    let logging = create_logging_configuration(&client, "filter-logs").await;
    create_room(&client, "alpha").await;
    create_room(&client, "alpha").await;
    let reviewed = client
        .create_room()
        .name("beta")
        .message_review_handler(MessageReviewHandler::builder().uri(handler).build())
        .send()
        .await
        .expect("room")
        .arn()
        .expect("arn")
        .to_owned();
    let logged = client
        .create_room()
        .name("gamma")
        .logging_configuration_identifiers(&logging)
        .send()
        .await
        .expect("room")
        .arn()
        .expect("arn")
        .to_owned();
    // WHEN each filter is applied
    let by_name = client
        .list_rooms()
        .name("alpha")
        .send()
        .await
        .expect("list");
    let by_handler = client
        .list_rooms()
        .message_review_handler_uri(handler)
        .send()
        .await
        .expect("list");
    let by_logging = client
        .list_rooms()
        .logging_configuration_identifier(&logging)
        .send()
        .await
        .expect("list");
    // THEN each returns only its matches
    assert_eq!(by_name.rooms().len(), 2);
    assert!(by_name.rooms().iter().all(|r| r.name() == Some("alpha")));
    assert_eq!(by_handler.rooms().len(), 1);
    assert_eq!(by_handler.rooms()[0].arn(), Some(reviewed.as_str()));
    assert_eq!(by_logging.rooms().len(), 1);
    assert_eq!(by_logging.rooms()[0].arn(), Some(logged.as_str()));
}

#[tokio::test]
async fn a_tampered_or_foreign_next_token_is_a_validation_error() {
    // GIVEN a valid nextToken for rooms named "a"
    let emulator = start().await;
    let client = client(&emulator);
    for _ in 0..3 {
        create_room(&client, "a").await;
    }
    let token = client
        .list_rooms()
        .name("a")
        .max_results(1)
        .send()
        .await
        .expect("first page")
        .next_token()
        .expect("more pages")
        .to_owned();
    // WHEN it is altered, or replayed with another filter
    let mut tampered = token.clone();
    tampered.replace_range(0..1, if token.starts_with('A') { "B" } else { "A" });
    let tampered_error = client
        .list_rooms()
        .name("a")
        .next_token(&tampered)
        .send()
        .await
        .expect_err("tampered")
        .into_service_error();
    let rescoped_error = client
        .list_rooms()
        .name("b")
        .next_token(&token)
        .send()
        .await
        .expect_err("other filter")
        .into_service_error();
    // THEN both are ValidationExceptions on nextToken
    for error in [tampered_error, rescoped_error] {
        let ListRoomsError::ValidationException(e) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(
            e.reason(),
            &ValidationExceptionReason::FieldValidationFailed
        );
        assert_eq!(e.field_list()[0].name(), "nextToken");
    }
}

#[tokio::test]
async fn max_results_outside_one_to_fifty_is_rejected() {
    // GIVEN a running emulator
    let emulator = start().await;
    let client = client(&emulator);
    // WHEN maxResults is 0 or 51 THEN both are ValidationExceptions
    for max in [0, 51] {
        let error = client
            .list_logging_configurations()
            .max_results(max)
            .send()
            .await
            .expect_err("out of range")
            .into_service_error();
        assert!(error.is_validation_exception(), "{error:?}");
    }
}

#[tokio::test]
async fn list_logging_configurations_pages_through_all() {
    // GIVEN 7 logging configurations
    let emulator = start().await;
    let client = client(&emulator);
    let mut created = BTreeSet::new();
    for i in 0..7 {
        created.insert(create_logging_configuration(&client, &format!("page-{i}")).await);
    }
    // WHEN listed 3 at a time
    let mut seen = BTreeSet::new();
    let mut token = None;
    let mut pages = 0;
    for _ in 0..10 {
        let page = client
            .list_logging_configurations()
            .max_results(3)
            .set_next_token(token)
            .send()
            .await
            .expect("list");
        pages += 1;
        for config in page.logging_configurations() {
            assert!(
                seen.insert(config.arn().expect("arn").to_owned()),
                "duplicate"
            );
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    // THEN three pages hold all seven
    assert_eq!(pages, 3);
    assert_eq!(seen, created);
}
