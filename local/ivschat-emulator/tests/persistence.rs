//! The state file: state and tokens survive a restart; writes are atomic.

mod common;

use std::path::PathBuf;

use common::{client, create_logging_configuration, create_room, start_with};
use ivschat_emulator::Emulator;

fn temp_state_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ivschat-state-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("state.json")
}

#[tokio::test]
async fn state_and_tokens_survive_a_restart() {
    // GIVEN an emulator persisting to a file, with a room, tags, a logging configuration,
    // a journal entry and an issued token
    let path = temp_state_path("restart");
    let first = start_with(Emulator::builder().state_file(&path)).await;
    let sdk = client(&first);
    let room = create_room(&sdk, "persisted").await;
    sdk.tag_resource()
        .resource_arn(&room)
        .tags("k", "v")
        .send()
        .await
        .expect("tag");
    create_logging_configuration(&sdk, "persisted-logs").await;
    sdk.send_event()
        .room_identifier(&room)
        .event_name("e")
        .send()
        .await
        .expect("event");
    let token = sdk
        .create_chat_token()
        .room_identifier(&room)
        .user_id("u")
        .send()
        .await
        .expect("token")
        .token()
        .expect("token")
        .to_owned();
    first.shutdown().await;
    // WHEN a new emulator starts from the same file
    let second = start_with(Emulator::builder().state_file(&path)).await;
    let sdk = client(&second);
    // THEN the room, its tags, the configuration and the journal are back, and the token verifies
    let fetched = sdk
        .get_room()
        .identifier(&room)
        .send()
        .await
        .expect("room survives");
    assert_eq!(fetched.name(), Some("persisted"));
    assert_eq!(
        fetched.tags().and_then(|t| t.get("k")).map(String::as_str),
        Some("v")
    );
    assert_eq!(second.logging_configurations().len(), 1);
    assert_eq!(second.journal().len(), 1);
    assert!(second.verify_chat_token(&token).is_ok());
    // AND no temporary file is left beside it
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
        .expect("list dir")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name() != "state.json")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test]
async fn a_corrupt_state_file_is_an_error_naming_the_file() {
    // GIVEN a file that is JSON but not a state file
    let path = temp_state_path("corrupt");
    std::fs::write(&path, br#"{"rooms": 3}"#).expect("write");
    // WHEN an emulator starts from it
    let error = Emulator::builder()
        .state_file(&path)
        .start()
        .await
        .expect_err("corrupt file refused");
    // THEN the error names the file
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
}

#[tokio::test]
async fn a_missing_state_file_starts_empty_and_is_created_on_first_change() {
    // GIVEN a path with no file yet
    let path = temp_state_path("fresh");
    let emulator = start_with(Emulator::builder().state_file(&path)).await;
    assert!(!path.exists());
    // WHEN a room is created
    create_room(&client(&emulator), "first").await;
    // THEN the file exists and holds the room
    let text = std::fs::read_to_string(&path).expect("file written");
    assert!(text.contains("\"first\""), "{text}");
}
