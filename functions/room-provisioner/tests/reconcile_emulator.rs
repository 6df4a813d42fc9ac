//! The reconciler against the local IVS Chat emulator over HTTP: plans, applies, corrects
//! drift, leaves what it does not own alone, prunes only when asked, and survives throttling
//! and failures.

mod common;

use std::collections::BTreeMap;

use common::{ATTEMPTS, DEPLOYMENT, HANDLER, client, desired, emulator, fault, paced_client};
use ivschat_api::managed::{DEPLOYMENT_TAG, RESOURCE_KEY_TAG};
use ivschat_api::model::{
    CreateLoggingConfigurationRequest, CreateRoomRequest, Destination, FallbackResult,
    MessageReviewHandler, TagResourceRequest, UntagResourceRequest, UpdateRoomRequest,
};
use ivschat_api::{ChatClient, ControlPlaneRates, PacedChatClient, Pacer, RetryPolicy};
use ivschat_emulator::{FaultKind, RunningEmulator};
use room_provisioner::{DesiredState, ReconcileReport, StepOutcome, reconcile};
use serde_json::Value;

const SPEC: &str = r#"
[loggingConfigurations.archive]
destination = { s3 = { bucketName = "chat-archive" } }
tags = { team = "chat" }

[loggingConfigurations.tail]
destination = { cloudWatchLogs = { logGroupName = "/chat/tail" } }

[rooms.lobby]
name = "lobby"
maximumMessageLength = 300
maximumMessageRatePerSecond = 10
loggingConfigurations = ["archive"]
tags = { owner = "team-a" }

[rooms.vip]
maximumMessageRatePerSecond = 5
messageReviewHandler = { fallbackResult = "DENY" }
loggingConfigurations = ["archive", "tail"]
"#;

async fn run(client: &PacedChatClient, desired: &DesiredState, dry_run: bool) -> ReconcileReport {
    reconcile(client, desired, DEPLOYMENT, dry_run)
        .await
        .expect("state is readable")
}

fn actions(report: &ReconcileReport) -> Vec<&'static str> {
    report.steps.iter().map(|s| s.step.action()).collect()
}

fn room_by_key<'a>(
    emulator: &'a [ivschat_emulator::Room],
    key: &str,
) -> &'a ivschat_emulator::Room {
    emulator
        .iter()
        .find(|r| r.tags.get(RESOURCE_KEY_TAG).map(String::as_str) == Some(key))
        .expect("room with key exists")
}

/// Applies SPEC to an empty emulator and returns it, converged.
async fn converged() -> (RunningEmulator, ChatClient, PacedChatClient, DesiredState) {
    let emulator = emulator().await;
    let client = client(&emulator);
    let paced = paced_client(&emulator);
    let desired = desired(SPEC);
    let report = run(&paced, &desired, false).await;
    assert_eq!(report.totals.failed, 0, "{report:?}");
    (emulator, client, paced, desired)
}

/// Asserts that one run fixes the drift (planning `expected` actions) and the next is empty.
async fn assert_corrected(
    paced: &PacedChatClient,
    desired: &DesiredState,
    expected: &[&str],
) -> ReconcileReport {
    let report = run(paced, desired, false).await;
    assert_eq!(actions(&report), expected, "{report:#?}");
    assert_eq!(report.totals.applied, expected.len(), "{report:#?}");
    let again = run(paced, desired, false).await;
    assert!(again.steps.is_empty(), "second run not empty: {again:#?}");
    report
}

#[tokio::test]
async fn applies_the_spec_from_empty_and_a_second_run_plans_nothing() {
    // GIVEN an empty account
    let emulator = emulator().await;
    let (paced, desired) = (paced_client(&emulator), desired(SPEC));
    // WHEN the spec is reconciled
    let report = run(&paced, &desired, false).await;
    // THEN configurations are created before rooms, everything applied and tagged as managed
    assert_eq!(
        actions(&report),
        [
            "create_logging_configuration",
            "create_logging_configuration",
            "create_room",
            "create_room"
        ]
    );
    assert_eq!(report.totals.applied, 4);
    let rooms = emulator.rooms();
    assert_eq!(rooms.len(), 2);
    let lobby = room_by_key(&rooms, "lobby");
    assert_eq!(lobby.maximum_message_length, 300);
    assert_eq!(lobby.tags[DEPLOYMENT_TAG], DEPLOYMENT);
    assert_eq!(lobby.tags["owner"], "team-a");
    assert_eq!(lobby.logging_configuration_identifiers.len(), 1);
    let vip = room_by_key(&rooms, "vip");
    let handler = vip
        .message_review_handler
        .as_ref()
        .expect("default handler");
    assert_eq!(handler.uri, HANDLER);
    assert_eq!(
        handler.fallback_result,
        ivschat_emulator::FallbackResult::Deny
    );
    assert_eq!(vip.logging_configuration_identifiers.len(), 2);
    // AND a second run is a no-op
    let again = run(&paced, &desired, false).await;
    assert!(again.steps.is_empty(), "{again:#?}");
}

#[tokio::test]
async fn dry_run_reports_the_plan_and_changes_nothing() {
    // GIVEN an empty account WHEN reconciled as a dry run THEN every step is planned and nothing exists
    let emulator = emulator().await;
    let (paced, desired) = (paced_client(&emulator), desired(SPEC));
    let report = run(&paced, &desired, true).await;
    assert_eq!(report.steps.len(), 4);
    assert!(
        report
            .steps
            .iter()
            .all(|s| s.outcome == StepOutcome::Planned)
    );
    assert!(emulator.rooms().is_empty());
    assert!(emulator.logging_configurations().is_empty());
}

#[tokio::test]
async fn corrects_drifted_name_length_and_rate() {
    // GIVEN a converged account whose lobby was changed behind the provisioner's back
    let (emulator, client, paced, desired) = converged().await;
    let lobby = room_by_key(&emulator.rooms(), "lobby")
        .arn
        .parse()
        .expect("arn");
    let mut update = UpdateRoomRequest::new(lobby);
    update.name = Some("renamed".into());
    update.maximum_message_length = Some(42);
    update.maximum_message_rate_per_second = Some(99);
    client.update_room(&update).await.expect("updated");
    // WHEN reconciled THEN one update restores all three, and the next run is empty
    let report = assert_corrected(&paced, &desired, &["update_room"]).await;
    let fields: Vec<_> = match &report.steps[0].step {
        room_provisioner::PlanStep::UpdateRoom { drift, .. } => {
            drift.iter().map(|d| d.field.clone()).collect()
        }
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(
        fields,
        [
            "name",
            "maximumMessageLength",
            "maximumMessageRatePerSecond"
        ]
    );
    let lobby = room_by_key(&emulator.rooms(), "lobby").clone();
    assert_eq!(
        (
            lobby.name.as_str(),
            lobby.maximum_message_length,
            lobby.maximum_message_rate_per_second
        ),
        ("lobby", 300, 10)
    );
}

#[tokio::test]
async fn corrects_a_replaced_review_handler() {
    // GIVEN the vip handler was replaced by hand WHEN reconciled THEN the default handler with DENY is back
    let (emulator, client, paced, desired) = converged().await;
    let vip = room_by_key(&emulator.rooms(), "vip")
        .arn
        .parse()
        .expect("arn");
    let mut update = UpdateRoomRequest::new(vip);
    update.message_review_handler = Some(MessageReviewHandler {
        uri: "arn:aws:lambda:us-east-1:123456789012:function:other".into(),
        fallback_result: FallbackResult::Allow,
    });
    client.update_room(&update).await.expect("updated");
    assert_corrected(&paced, &desired, &["update_room"]).await;
    let handler = room_by_key(&emulator.rooms(), "vip")
        .message_review_handler
        .clone()
        .expect("handler");
    assert_eq!(handler.uri, HANDLER);
    assert_eq!(
        handler.fallback_result,
        ivschat_emulator::FallbackResult::Deny
    );
}

#[tokio::test]
async fn corrects_detached_logging_configurations() {
    // GIVEN vip was detached from its configurations WHEN reconciled THEN both are attached again
    let (emulator, client, paced, desired) = converged().await;
    let vip = room_by_key(&emulator.rooms(), "vip")
        .arn
        .parse()
        .expect("arn");
    let mut update = UpdateRoomRequest::new(vip);
    update.logging_configuration_identifiers = Some(vec![]);
    client.update_room(&update).await.expect("detached");
    assert_corrected(&paced, &desired, &["update_room"]).await;
    assert_eq!(
        room_by_key(&emulator.rooms(), "vip")
            .logging_configuration_identifiers
            .len(),
        2
    );
}

#[tokio::test]
async fn corrects_changed_and_removed_tags_and_keeps_foreign_ones() {
    // GIVEN the lobby's owner tag changed, the archive lost its team tag, and someone added a
    // tag of their own
    let (emulator, client, paced, desired) = converged().await;
    let lobby: ivschat_api::RoomArn = room_by_key(&emulator.rooms(), "lobby")
        .arn
        .parse()
        .expect("arn");
    client
        .tag_resource(&TagResourceRequest {
            resource: lobby.clone().into(),
            tags: BTreeMap::from([
                ("owner".to_owned(), "intruder".to_owned()),
                ("cost-center".to_owned(), "cc-9".to_owned()),
            ]),
        })
        .await
        .expect("tagged");
    let archive = emulator
        .logging_configurations()
        .into_iter()
        .find(|lc| lc.tags.get(RESOURCE_KEY_TAG).map(String::as_str) == Some("archive"))
        .expect("archive");
    client
        .untag_resource(&UntagResourceRequest {
            resource: archive
                .arn
                .parse::<ivschat_api::LoggingConfigurationArn>()
                .expect("arn")
                .into(),
            tag_keys: vec!["team".into()],
        })
        .await
        .expect("untagged");
    // WHEN reconciled THEN both are retagged and the foreign tag stays
    assert_corrected(&paced, &desired, &["retag", "retag"]).await;
    let tags = room_by_key(&emulator.rooms(), "lobby").tags.clone();
    assert_eq!(tags["owner"], "team-a");
    assert_eq!(tags["cost-center"], "cc-9");
}

#[tokio::test]
async fn a_tag_dropped_from_the_spec_is_removed() {
    // GIVEN a converged account WHEN the spec drops the owner tag THEN the tag is removed
    let (emulator, _, paced, _) = converged().await;
    let without_owner = desired(&SPEC.replace("tags = { owner = \"team-a\" }", ""));
    assert_corrected(&paced, &without_owner, &["retag"]).await;
    assert!(
        !room_by_key(&emulator.rooms(), "lobby")
            .tags
            .contains_key("owner")
    );
}

#[tokio::test]
async fn unmanaged_rooms_and_configurations_are_never_touched_even_with_prune() {
    // GIVEN a hand-made room, another deployment's room and a hand-made configuration
    let emulator = emulator().await;
    let (client, paced) = (client(&emulator), paced_client(&emulator));
    let hand_made = client
        .create_room(&CreateRoomRequest {
            name: Some("hand-made".into()),
            maximum_message_length: Some(42),
            ..Default::default()
        })
        .await
        .expect("created");
    let other_deployment = client
        .create_room(&CreateRoomRequest {
            name: Some("lobby".into()),
            tags: BTreeMap::from([
                (DEPLOYMENT_TAG.to_owned(), "someone-else".to_owned()),
                (RESOURCE_KEY_TAG.to_owned(), "lobby".to_owned()),
            ]),
            ..Default::default()
        })
        .await
        .expect("created");
    client
        .create_logging_configuration(&CreateLoggingConfigurationRequest {
            name: Some("theirs".into()),
            destination: Destination::S3 {
                bucket_name: "theirs".into(),
            },
            tags: BTreeMap::new(),
        })
        .await
        .expect("created");
    // WHEN a pruning spec is applied twice
    let desired = desired(&format!("prune = true\n{SPEC}"));
    run(&paced, &desired, false).await;
    let again = run(&paced, &desired, false).await;
    // THEN the foreign resources are exactly as they were
    assert!(again.steps.is_empty(), "{again:#?}");
    let rooms = emulator.rooms();
    let still = |arn: &ivschat_api::RoomArn| {
        rooms
            .iter()
            .find(|r| r.arn == arn.as_str())
            .cloned()
            .expect("kept")
    };
    assert_eq!(still(&hand_made.arn).maximum_message_length, 42);
    assert_eq!(
        still(&other_deployment.arn).tags[DEPLOYMENT_TAG],
        "someone-else"
    );
    assert_eq!(rooms.len(), 4);
    assert_eq!(emulator.logging_configurations().len(), 3);
}

#[tokio::test]
async fn undeclared_managed_rooms_are_kept_without_prune_and_deleted_with_it() {
    // GIVEN a converged account and a spec that drops the vip room and the tail configuration
    let (emulator, _, paced, _) = converged().await;
    let smaller = SPEC
        .split("[rooms.vip]")
        .next()
        .expect("head")
        .replace("[loggingConfigurations.tail]\ndestination = { cloudWatchLogs = { logGroupName = \"/chat/tail\" } }\n", "");
    // WHEN reconciled without prune THEN nothing is deleted and the plan warns
    let kept = run(&paced, &desired(&smaller), false).await;
    assert!(kept.steps.is_empty(), "{kept:#?}");
    assert_eq!(kept.warnings.len(), 2, "{:?}", kept.warnings);
    assert_eq!(emulator.rooms().len(), 2);
    // WHEN reconciled with prune THEN the room goes first, then the configuration it used
    let pruned = run(&paced, &desired(&format!("prune = true\n{smaller}")), false).await;
    assert_eq!(
        actions(&pruned),
        ["delete_room", "delete_logging_configuration"]
    );
    assert_eq!(pruned.totals.applied, 2);
    assert_eq!(emulator.rooms().len(), 1);
    assert_eq!(emulator.logging_configurations().len(), 1);
}

#[tokio::test]
async fn throttling_is_retried_and_the_run_converges() {
    // GIVEN every operation throttles its next call once, and CreateRoom twice more
    let emulator = emulator().await;
    let (paced, desired) = (paced_client(&emulator), desired(SPEC));
    for operation in [
        "ListRooms",
        "ListLoggingConfigurations",
        "CreateLoggingConfiguration",
    ] {
        emulator
            .set_fault(fault(operation, FaultKind::Throttle, 1))
            .expect("fault");
    }
    emulator
        .set_fault(fault("CreateRoom", FaultKind::Throttle, ATTEMPTS - 1))
        .expect("fault");
    // WHEN reconciled
    let report = run(&paced, &desired, false).await;
    // THEN every step applied, some after retries, and the next run is empty
    assert_eq!(report.totals.applied, 4, "{report:#?}");
    let first_room = report
        .steps
        .iter()
        .find(|s| s.step.action() == "create_room")
        .expect("room");
    assert!(
        matches!(first_room.outcome, StepOutcome::Applied { attempts, .. } if attempts == ATTEMPTS)
    );
    assert!(run(&paced, &desired, false).await.steps.is_empty());
}

#[tokio::test]
async fn a_step_failing_past_its_retries_is_reported_and_the_next_run_completes_it() {
    // GIVEN CreateRoom fails with an internal error for more calls than one step retries
    let emulator = emulator().await;
    let (paced, desired) = (paced_client(&emulator), desired(SPEC));
    emulator
        .set_fault(fault("CreateRoom", FaultKind::InternalError, ATTEMPTS))
        .expect("fault");
    // WHEN reconciled
    let report = run(&paced, &desired, false).await;
    // THEN the first room's creation is reported failed, the rest still applied
    let outcomes: Vec<_> = report
        .steps
        .iter()
        .map(|s| (s.step.action(), s.step.key().to_owned(), s.outcome.clone()))
        .collect();
    assert!(
        matches!(&outcomes[2].2, StepOutcome::Failed { attempts, error_kind, .. }
        if *attempts == ATTEMPTS && error_kind == "InternalServer"),
        "{outcomes:#?}"
    );
    assert!(outcomes[3].2.is_applied(), "{outcomes:#?}");
    assert_eq!((report.totals.failed, report.totals.applied), (1, 3));
    assert_eq!(emulator.rooms().len(), 1);
    // WHEN reconciled again THEN only the missing room is created
    let next = run(&paced, &desired, false).await;
    assert_eq!(actions(&next), ["create_room"]);
    assert_eq!(next.steps[0].step.key(), outcomes[2].1);
    assert_eq!(emulator.rooms().len(), 2);
}

#[tokio::test]
async fn a_room_is_not_created_with_a_dangling_logging_configuration() {
    // GIVEN creating the first configuration (archive) fails for good
    let emulator = emulator().await;
    let (paced, desired) = (paced_client(&emulator), desired(SPEC));
    emulator
        .set_fault(fault(
            "CreateLoggingConfiguration",
            FaultKind::InternalError,
            ATTEMPTS,
        ))
        .expect("fault");
    // WHEN reconciled
    let report = run(&paced, &desired, false).await;
    // THEN both rooms (which use archive) are skipped, with the reason, and none exists
    let statuses: Vec<_> = report
        .steps
        .iter()
        .map(|s| serde_json::to_value(&s.outcome).expect("json")["status"].clone())
        .collect();
    assert_eq!(statuses, ["failed", "applied", "skipped", "skipped"]);
    assert!(emulator.rooms().is_empty());
    // WHEN reconciled again THEN everything is completed
    let next = run(&paced, &desired, false).await;
    assert_eq!(next.totals.applied, 3, "{next:#?}");
    assert_eq!(emulator.rooms().len(), 2);
}

#[tokio::test]
async fn report_serializes_each_step_with_its_outcome_and_totals() {
    // GIVEN an applied run WHEN its report is serialized THEN steps carry outcomes and totals count them
    let emulator = emulator().await;
    let (paced, desired) = (paced_client(&emulator), desired(SPEC));
    let report = run(&paced, &desired, false).await;
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["steps"][2]["action"], "create_room");
    assert_eq!(json["steps"][2]["outcome"]["status"], "applied");
    assert!(
        json["steps"][2]["outcome"]["created_arn"]
            .as_str()
            .is_some_and(|a| a.contains(":room/"))
    );
    assert_eq!(json["totals"]["applied"], 4);
    assert_eq!(json["dry_run"], false);
}

#[tokio::test]
async fn stream_rooms_of_this_deployment_are_left_to_the_stream_lifecycle() {
    // GIVEN a room this deployment's stream lifecycle created for a channel
    let emulator = emulator().await;
    let (client, paced) = (client(&emulator), paced_client(&emulator));
    client
        .create_room(&CreateRoomRequest {
            tags: BTreeMap::from([
                (DEPLOYMENT_TAG.to_owned(), DEPLOYMENT.to_owned()),
                (RESOURCE_KEY_TAG.to_owned(), "stream-AbCd".to_owned()),
                (
                    ivschat_api::managed::CHANNEL_TAG.to_owned(),
                    "arn:aws:ivs:us-east-1:123456789012:channel/AbCd".to_owned(),
                ),
            ]),
            ..Default::default()
        })
        .await
        .expect("created");
    // WHEN an empty spec with prune is reconciled THEN the stream room is not planned at all
    let report = run(&paced, &desired("prune = true"), false).await;
    assert!(report.steps.is_empty(), "{report:#?}");
    assert_eq!(emulator.rooms().len(), 1);
}

#[tokio::test]
async fn room_calls_are_spaced_by_the_room_rate_limit() {
    // GIVEN a client paced to 20 room calls per second (50 ms apart), others unlimited
    let emulator = emulator().await;
    let pacer = Pacer::new(
        ControlPlaneRates {
            rooms: 20,
            logging_configurations: 1000,
            tags: 1000,
            messaging: 1000,
        },
        RetryPolicy::default(),
    );
    let paced = PacedChatClient::new(client(&emulator), pacer);
    let spec = desired("[rooms.a]\n[rooms.b]\n[rooms.c]\n[rooms.d]\n");
    // WHEN the spec is applied: ListRooms plus four CreateRoom calls
    let started = std::time::Instant::now();
    let report = run(&paced, &spec, false).await;
    // THEN the five room calls took at least four intervals
    assert_eq!(report.totals.applied, 4);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= std::time::Duration::from_millis(200),
        "took {elapsed:?}"
    );
}

#[tokio::test]
async fn a_configuration_is_kept_when_the_room_update_that_detaches_it_fails() {
    // GIVEN a converged account, and a pruning spec in which vip no longer uses tail and tail is gone
    let (emulator, _, paced, _) = converged().await;
    let without_tail = SPEC
        .replace(
            "[loggingConfigurations.tail]\ndestination = { cloudWatchLogs = { logGroupName = \"/chat/tail\" } }\n",
            "",
        )
        .replace(
            "loggingConfigurations = [\"archive\", \"tail\"]",
            "loggingConfigurations = [\"archive\"]",
        );
    let desired = desired(&format!("prune = true\n{without_tail}"));
    // AND every attempt of the update that would detach it fails
    emulator
        .set_fault(fault("UpdateRoom", FaultKind::InternalError, ATTEMPTS))
        .expect("fault");
    // WHEN reconciled
    let report = run(&paced, &desired, false).await;
    // THEN the update failed and the deletion was skipped, naming the room, so nothing dangles
    assert_eq!(
        actions(&report),
        ["update_room", "delete_logging_configuration"]
    );
    let outcomes: Vec<Value> = report
        .steps
        .iter()
        .map(|s| serde_json::to_value(&s.outcome).expect("json"))
        .collect();
    assert_eq!(outcomes[0]["status"], "failed", "{outcomes:?}");
    assert_eq!(outcomes[1]["status"], "skipped", "{outcomes:?}");
    assert!(
        outcomes[1]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("`vip`")),
        "{outcomes:?}"
    );
    assert_eq!(emulator.logging_configurations().len(), 2);
    // WHEN the fault has passed THEN the next run detaches and deletes, in that order
    let next = run(&paced, &desired, false).await;
    assert_eq!(
        actions(&next),
        ["update_room", "delete_logging_configuration"]
    );
    assert_eq!(next.totals.applied, 2, "{next:#?}");
    assert_eq!(emulator.logging_configurations().len(), 1);
}
