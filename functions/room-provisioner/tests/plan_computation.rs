//! Planning without any service: what the plan contains for a given spec and current state.

use std::collections::BTreeMap;

use ivschat_api::managed::SPEC_TAG_KEYS_TAG;
use ivschat_api::managed::{DEPLOYMENT_TAG, RESOURCE_KEY_TAG};
use ivschat_api::model::{
    Destination, LoggingConfiguration, LoggingConfigurationState, MessageReviewHandler, Room,
};
use room_provisioner::inventory::CurrentState;
use room_provisioner::plan::{PlanStep, ResourceKind, managed_tags};
use room_provisioner::spec::SpecDefaults;
use room_provisioner::{DesiredState, RoomsSpec, compute_plan};
use time::OffsetDateTime;
use time::macros::datetime;

const DEPLOYMENT: &str = "prod";
const HANDLER: &str = "arn:aws:lambda:us-east-1:123456789012:function:review";

fn desired(text: &str) -> DesiredState {
    RoomsSpec::parse(text)
        .and_then(|s| {
            s.resolve(&SpecDefaults {
                review_handler_uri: Some(HANDLER.into()),
            })
        })
        .expect("valid spec")
}

const SPEC: &str = r#"
[loggingConfigurations.archive]
destination = { s3 = { bucketName = "chat-archive" } }

[rooms.lobby]
maximumMessageLength = 300
loggingConfigurations = ["archive"]
tags = { owner = "team-a" }
"#;

fn lc(key: &str, id: &str, created: OffsetDateTime) -> LoggingConfiguration {
    LoggingConfiguration {
        arn: format!("arn:aws:ivschat:us-east-1:123456789012:logging-configuration/{id}")
            .parse()
            .expect("arn"),
        id: id.into(),
        name: key.into(),
        destination_configuration: Destination::S3 {
            bucket_name: "chat-archive".into(),
        },
        state: LoggingConfigurationState::Active,
        tags: managed_tags(&BTreeMap::new(), DEPLOYMENT, key),
        create_time: created,
        update_time: created,
    }
}

/// A room exactly as SPEC's lobby asks for, attached to `lc`.
fn lobby(id: &str, lc: &LoggingConfiguration, created: OffsetDateTime) -> Room {
    Room {
        arn: format!("arn:aws:ivschat:us-east-1:123456789012:room/{id}")
            .parse()
            .expect("arn"),
        id: id.into(),
        name: "lobby".into(),
        create_time: created,
        update_time: created,
        maximum_message_rate_per_second: 10,
        maximum_message_length: 300,
        message_review_handler: Some(MessageReviewHandler {
            uri: HANDLER.into(),
            fallback_result: Default::default(),
        }),
        tags: managed_tags(
            &BTreeMap::from([("owner".to_owned(), "team-a".to_owned())]),
            DEPLOYMENT,
            "lobby",
        ),
        logging_configuration_identifiers: vec![lc.arn.clone()],
    }
}

const T0: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);
const T1: OffsetDateTime = datetime!(2026-01-02 00:00 UTC);

fn in_sync() -> CurrentState {
    let archive = lc("archive", "aaaaaaaaaaaa", T0);
    let room = lobby("rrrrrrrrrrrr", &archive, T0);
    CurrentState {
        rooms: vec![room],
        logging_configurations: vec![archive],
        ..CurrentState::default()
    }
}

fn actions(steps: &[PlanStep]) -> Vec<&'static str> {
    steps.iter().map(PlanStep::action).collect()
}

#[test]
fn from_empty_creates_logging_configurations_before_the_rooms_that_use_them() {
    // GIVEN nothing exists WHEN the spec is planned
    let plan = compute_plan(&desired(SPEC), DEPLOYMENT, &CurrentState::default());
    // THEN the configuration is created first, then the room, both tagged as managed
    assert_eq!(
        actions(&plan.steps),
        ["create_logging_configuration", "create_room"]
    );
    let PlanStep::CreateRoom {
        tags,
        logging_configurations,
        ..
    } = &plan.steps[1]
    else {
        panic!("expected create_room");
    };
    assert_eq!(tags[DEPLOYMENT_TAG], DEPLOYMENT);
    assert_eq!(tags[RESOURCE_KEY_TAG], "lobby");
    assert_eq!(tags[SPEC_TAG_KEYS_TAG], "owner");
    assert_eq!(logging_configurations, &["archive"]);
}

#[test]
fn matching_state_gives_an_empty_plan() {
    // GIVEN the account already matches WHEN planned THEN no step and no warning
    let plan = compute_plan(&desired(SPEC), DEPLOYMENT, &in_sync());
    assert!(plan.is_empty(), "{plan:?}");
    assert!(plan.warnings.is_empty());
}

#[test]
fn only_the_drifted_field_is_updated() {
    // GIVEN the room's rate was changed by hand
    let mut current = in_sync();
    current.rooms[0].maximum_message_rate_per_second = 50;
    // WHEN planned
    let plan = compute_plan(&desired(SPEC), DEPLOYMENT, &current);
    // THEN one update carries only the rate
    let [PlanStep::UpdateRoom { changes, drift, .. }] = plan.steps.as_slice() else {
        panic!("expected one update, got {plan:?}");
    };
    assert_eq!(changes.maximum_message_rate_per_second, Some(10));
    assert_eq!(changes.name, None);
    assert_eq!(changes.maximum_message_length, None);
    assert_eq!(changes.message_review_handler, None);
    assert_eq!(changes.logging_configurations, None);
    assert_eq!(drift.len(), 1);
    assert_eq!(
        (drift[0].current.as_str(), drift[0].desired.as_str()),
        ("50", "10")
    );
}

#[test]
fn removed_handler_is_restored_and_an_unwanted_one_removed_with_an_empty_uri() {
    // GIVEN a room lost its handler, then a spec that wants none WHEN planned THEN the handler is set back, then removed with an empty uri
    let mut current = in_sync();
    current.rooms[0].message_review_handler = None;
    let plan = compute_plan(&desired(SPEC), DEPLOYMENT, &current);
    let [PlanStep::UpdateRoom { changes, .. }] = plan.steps.as_slice() else {
        panic!("expected one update, got {plan:?}");
    };
    assert_eq!(
        changes
            .message_review_handler
            .as_ref()
            .map(|h| h.uri.as_str()),
        Some(HANDLER)
    );

    let no_handler = SPEC.replace(
        "tags = {",
        "messageReviewHandler = { uri = \"\" }\ntags = {",
    );
    let plan = compute_plan(&desired(&no_handler), DEPLOYMENT, &in_sync());
    let [PlanStep::UpdateRoom { changes, .. }] = plan.steps.as_slice() else {
        panic!("expected one update, got {plan:?}");
    };
    assert_eq!(
        changes
            .message_review_handler
            .as_ref()
            .map(|h| h.uri.as_str()),
        Some("")
    );
}

#[test]
fn detached_logging_configuration_is_reattached() {
    // GIVEN the room was detached from its configuration WHEN planned THEN the update lists it again
    let mut current = in_sync();
    current.rooms[0].logging_configuration_identifiers.clear();
    let plan = compute_plan(&desired(SPEC), DEPLOYMENT, &current);
    let [PlanStep::UpdateRoom { changes, .. }] = plan.steps.as_slice() else {
        panic!("expected one update, got {plan:?}");
    };
    assert_eq!(
        changes.logging_configurations.as_deref(),
        Some(&["archive".to_owned()][..])
    );
}

#[test]
fn tags_are_added_changed_and_removed_but_foreign_tags_are_kept() {
    // GIVEN the spec now declares owner=team-b and no longer declares `old`, and someone else
    // added `cost-center`
    let mut current = in_sync();
    let tags = &mut current.rooms[0].tags;
    tags.insert("old".into(), "x".into());
    tags.insert(SPEC_TAG_KEYS_TAG.into(), "old owner".into());
    tags.insert("cost-center".into(), "cc-1".into());
    let spec = SPEC.replace("owner = \"team-a\"", "owner = \"team-b\", tier = \"gold\"");
    // WHEN planned
    let plan = compute_plan(&desired(&spec), DEPLOYMENT, &current);
    // THEN owner changes, tier is added, old is removed and cost-center stays
    let [PlanStep::Retag { resource, tags, .. }] = plan.steps.as_slice() else {
        panic!("expected one retag, got {plan:?}");
    };
    assert_eq!(*resource, ResourceKind::Room);
    assert_eq!(tags.added.get("tier").map(String::as_str), Some("gold"));
    assert_eq!(tags.changed["owner"].to, "team-b");
    assert_eq!(tags.changed[SPEC_TAG_KEYS_TAG].to, "owner tier");
    assert_eq!(tags.removed, ["old"]);
}

#[test]
fn without_prune_undeclared_rooms_are_kept_with_a_warning() {
    // GIVEN an empty spec without prune WHEN planned THEN nothing is deleted and both resources are warned about
    let plan = compute_plan(&desired(""), DEPLOYMENT, &in_sync());
    assert!(plan.is_empty());
    assert_eq!(plan.warnings.len(), 2, "{:?}", plan.warnings);
}

#[test]
fn with_prune_undeclared_rooms_go_before_the_logging_configurations_they_use() {
    // GIVEN an empty spec with prune WHEN planned THEN the room is deleted before the configuration it uses
    let plan = compute_plan(&desired("prune = true"), DEPLOYMENT, &in_sync());
    assert_eq!(
        actions(&plan.steps),
        ["delete_room", "delete_logging_configuration"]
    );
    let PlanStep::DeleteLoggingConfiguration { detach_first, .. } = &plan.steps[1] else {
        panic!("expected delete_logging_configuration");
    };
    assert_eq!(detach_first, &["lobby"]);
}

#[test]
fn a_pruned_configuration_is_detached_by_the_room_update_first() {
    // GIVEN the room stays but no longer uses the archive, which leaves the spec
    let spec =
        "prune = true\n[rooms.lobby]\nmaximumMessageLength = 300\ntags = { owner = \"team-a\" }\n";
    let plan = compute_plan(&desired(spec), DEPLOYMENT, &in_sync());
    // THEN the room is updated (detaching) before the configuration is deleted
    assert_eq!(
        actions(&plan.steps),
        ["update_room", "delete_logging_configuration"]
    );
}

#[test]
fn a_second_room_with_the_same_key_is_pruned_and_the_oldest_kept() {
    // GIVEN two managed rooms with key lobby WHEN planned with prune THEN the newer one is deleted
    let mut current = in_sync();
    let archive = current.logging_configurations[0].clone();
    current.rooms.push(lobby("dddddddddddd", &archive, T1));
    let plan = compute_plan(
        &desired(&format!("prune = true\n{SPEC}")),
        DEPLOYMENT,
        &current,
    );
    let [PlanStep::DeleteRoom { arn, .. }] = plan.steps.as_slice() else {
        panic!("expected one delete, got {plan:?}");
    };
    assert_eq!(arn.id(), "dddddddddddd");
}

#[test]
fn plan_serializes_with_action_names_and_service_field_names() {
    // GIVEN a plan from empty WHEN serialized THEN actions and API field names appear
    let plan = compute_plan(&desired(SPEC), DEPLOYMENT, &CurrentState::default());
    let json = serde_json::to_value(&plan).expect("serializes");
    assert_eq!(json["steps"][1]["action"], "create_room");
    assert_eq!(json["steps"][1]["maximumMessageLength"], 300);
    assert_eq!(
        json["steps"][0]["destination"]["s3"]["bucketName"],
        "chat-archive"
    );
}
