//! Strict mode: SigV4 signatures from the real SDK verify; wrong secrets and keys do not.

mod common;

use aws_sdk_ivschat::error::ProvideErrorMetadata;
use common::{client_with_secret, start_with};
use ivschat_emulator::Emulator;

async fn strict() -> ivschat_emulator::RunningEmulator {
    start_with(
        Emulator::builder()
            .strict_auth(true)
            .credentials("AKIDEXAMPLE", "s3cr3t/with+chars"),
    )
    .await
}

#[tokio::test]
async fn signatures_from_the_sdk_verify_for_every_kind_of_route() {
    // GIVEN a strict emulator and a client with the right secret
    let emulator = strict().await;
    let client = client_with_secret(&emulator, "AKIDEXAMPLE", "s3cr3t/with+chars");
    // WHEN it calls a POST operation, and the tag routes with an encoded path and a query
    let room = client
        .create_room()
        .name("signed")
        .send()
        .await
        .expect("signed CreateRoom verifies")
        .arn()
        .expect("arn")
        .to_owned();
    client
        .tag_resource()
        .resource_arn(&room)
        .tags("k e y", "v/a+l")
        .send()
        .await
        .expect("signed TagResource verifies");
    client
        .untag_resource()
        .resource_arn(&room)
        .tag_keys("k e y")
        .tag_keys("other=&key")
        .send()
        .await
        .expect("signed UntagResource verifies");
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&room)
        .send()
        .await
        .expect("signed ListTagsForResource verifies");
    // THEN all succeed and the state reflects them
    assert!(tags.tags().is_empty());
    assert_eq!(emulator.rooms().len(), 1);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_with_invalid_signature_exception() {
    // GIVEN a strict emulator and a client with the wrong secret
    let emulator = strict().await;
    let client = client_with_secret(&emulator, "AKIDEXAMPLE", "not-the-secret");
    // WHEN it creates a room
    let error = client
        .create_room()
        .send()
        .await
        .expect_err("bad signature")
        .into_service_error();
    // THEN it is refused as InvalidSignatureException and nothing is created
    assert_eq!(error.code(), Some("InvalidSignatureException"));
    assert!(emulator.rooms().is_empty());
}

#[tokio::test]
async fn an_unknown_access_key_is_refused_as_unrecognized_client() {
    // GIVEN a strict emulator and a client with an unconfigured key
    let emulator = strict().await;
    let client = client_with_secret(&emulator, "AKIDOTHER", "s3cr3t/with+chars");
    // WHEN it lists rooms
    let error = client
        .list_rooms()
        .send()
        .await
        .expect_err("unknown key")
        .into_service_error();
    // THEN the key is unrecognised
    assert_eq!(error.code(), Some("UnrecognizedClientException"));
}

#[tokio::test]
async fn the_default_mode_accepts_any_well_formed_signature() {
    // GIVEN a default emulator and a client with arbitrary credentials
    let emulator = start_with(Emulator::builder()).await;
    let client = client_with_secret(&emulator, "anything", "whatever");
    // WHEN it lists rooms THEN it succeeds
    assert!(client.list_rooms().send().await.is_ok());
}

#[tokio::test]
async fn a_signature_for_another_region_is_refused() {
    // GIVEN a strict emulator for eu-west-1 and a client signing for us-east-1
    let emulator = start_with(
        Emulator::builder()
            .region("eu-west-1")
            .strict_auth(true)
            .credentials("AKIDEXAMPLE", "s3cr3t/with+chars"),
    )
    .await;
    let client = client_with_secret(&emulator, "AKIDEXAMPLE", "s3cr3t/with+chars");
    // WHEN it lists rooms
    let error = client
        .list_rooms()
        .send()
        .await
        .expect_err("wrong region")
        .into_service_error();
    // THEN the scope is refused
    assert_eq!(error.code(), Some("InvalidSignatureException"));
}
