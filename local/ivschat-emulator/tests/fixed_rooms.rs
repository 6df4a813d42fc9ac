//! Rooms with fixed ids, for fixtures that name their rooms: in-process and over the admin API.

mod common;

use std::collections::BTreeMap;

use serde_json::json;

#[tokio::test]
async fn a_room_seeded_with_a_fixed_id_is_served_like_any_other() {
    // GIVEN an emulator with a room seeded under a fixture's id
    let emulator = common::start().await;
    let tags = BTreeMap::from([(
        "ivschat-toolkit:deployment".to_string(),
        "chat-prod".to_string(),
    )]);
    let room = emulator
        .create_room_with_id("ManagedRoom1", "lobby", tags)
        .expect("seeded");
    assert_eq!(
        room.arn,
        "arn:aws:ivschat:us-east-1:123456789012:room/ManagedRoom1"
    );

    // WHEN the SDK reads it
    let client = common::client(&emulator);
    let got = client
        .get_room()
        .identifier(&room.arn)
        .send()
        .await
        .expect("found");

    // THEN it has the seeded name, tags and the service defaults
    assert_eq!(got.name(), Some("lobby"));
    assert_eq!(
        got.tags()
            .and_then(|t| t.get("ivschat-toolkit:deployment"))
            .map(String::as_str),
        Some("chat-prod")
    );
    assert_eq!(got.maximum_message_length(), Some(500));
}

#[tokio::test]
async fn seeding_refuses_a_taken_or_malformed_id() {
    let emulator = common::start().await;
    emulator
        .create_room_with_id("ManagedRoom1", "", BTreeMap::new())
        .expect("first");
    let taken = emulator
        .create_room_with_id("ManagedRoom1", "", BTreeMap::new())
        .expect_err("taken");
    assert!(
        matches!(taken, ivschat_emulator::ApiError::Conflict { .. }),
        "{taken:?}"
    );
    let malformed = emulator
        .create_room_with_id("short", "", BTreeMap::new())
        .expect_err("malformed");
    assert!(format!("{malformed:?}").contains("id"), "{malformed:?}");
    assert_eq!(emulator.rooms().len(), 1);
}

#[tokio::test]
async fn the_admin_endpoint_seeds_rooms_for_out_of_process_callers() {
    let emulator = common::start().await;
    let http = reqwest::Client::new();
    let url = format!("{}/_emulator/rooms", emulator.url());
    let created = http
        .post(&url)
        .json(
            &json!({"id": "OtherDeploy1", "tags": {"ivschat-toolkit:deployment": "chat-staging"}}),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status().as_u16(), 201);
    let body: serde_json::Value = created.json().await.expect("json");
    assert_eq!(
        body["arn"],
        "arn:aws:ivschat:us-east-1:123456789012:room/OtherDeploy1"
    );

    let unknown_field = http
        .post(&url)
        .json(&json!({"id": "OtherDeploy2", "size": 3}))
        .send()
        .await
        .expect("sent");
    assert_eq!(unknown_field.status().as_u16(), 400);
    assert_eq!(emulator.rooms().len(), 1);
}
