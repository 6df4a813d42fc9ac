//! Stream events and the sweep against the local IVS Chat emulator, with the committed
//! fixtures: in order, duplicated, reversed, unrelated; and the delayed deletion of rooms.

use std::collections::BTreeMap;
use std::time::Duration;

use ivschat_api::managed::{CHANNEL_TAG, DEPLOYMENT_TAG};
use ivschat_api::managed::{LAST_EVENT_TAG, STREAM_ENDED_TAG};
use ivschat_api::model::CreateRoomRequest;
use ivschat_api::{ChatClient, PacedChatClient};
use ivschat_emulator::{Emulator, JournalAction, RunningEmulator};
use serde_json::Value;
use stream_lifecycle::{LifecycleResult, StreamEventOutcome, StreamLifecycleConfig, handle};
use time::OffsetDateTime;
use time::macros::datetime;

const START: &str = include_str!("../../../events/stream-lifecycle/stream-start.json");
const END: &str = include_str!("../../../events/stream-lifecycle/stream-end.json");
const START_DUPLICATE: &str =
    include_str!("../../../events/stream-lifecycle/stream-start-duplicate.json");
const START_LATE: &str = include_str!("../../../events/stream-lifecycle/stream-start-late.json");
const SESSION_CREATED: &str = include_str!("../../../events/stream-lifecycle/session-created.json");
const SWEEP: &str = include_str!("../../../events/stream-lifecycle/sweep.json");
const SWEEP_DRY_RUN: &str = include_str!("../../../events/stream-lifecycle/sweep-dry-run.json");
const CHANNEL: &str = "arn:aws:ivs:us-east-1:123456789012:channel/AbCdEf123456";
const DEPLOYMENT: &str = "test-deployment";
const NOW: OffsetDateTime = datetime!(2026-11-26 07:00 UTC);

struct Harness {
    emulator: RunningEmulator,
    client: ChatClient,
    paced: PacedChatClient,
    config: StreamLifecycleConfig,
}

impl Harness {
    async fn start(delete_after_end_minutes: Option<u64>) -> Self {
        let emulator = Emulator::builder().start().await.expect("emulator starts");
        let client = toolkit_test_support::client(&emulator);
        let paced = toolkit_test_support::paced_client(&emulator);
        let config = StreamLifecycleConfig {
            deployment: DEPLOYMENT.into(),
            region: "us-east-1".into(),
            review_handler_arn: Some(
                "arn:aws:lambda:us-east-1:123456789012:function:review".into(),
            ),
            delete_after_end: delete_after_end_minutes.map(|m| Duration::from_secs(m * 60)),
            account_id: Some("123456789012".into()),
        };
        Self {
            emulator,
            client,
            paced,
            config,
        }
    }

    async fn send_at(&self, fixture: &str, now: OffsetDateTime) -> LifecycleResult {
        let payload: Value = serde_json::from_str(fixture).expect("fixture is JSON");
        handle(&self.paced, &self.config, payload, now)
            .await
            .expect("handled")
    }

    async fn send(&self, fixture: &str) -> StreamEventOutcome {
        match self.send_at(fixture, NOW).await {
            LifecycleResult::StreamEvent(outcome) => outcome,
            other => panic!("expected a stream event outcome, got {other:?}"),
        }
    }

    fn chat_events(&self) -> Vec<String> {
        self.emulator
            .journal()
            .into_iter()
            .filter(|e| e.action == JournalAction::SendEvent)
            .filter_map(|e| e.event_name)
            .collect()
    }

    fn stream_rooms(&self) -> Vec<ivschat_emulator::Room> {
        self.emulator
            .rooms()
            .into_iter()
            .filter(|r| r.tags.get(CHANNEL_TAG).map(String::as_str) == Some(CHANNEL))
            .collect()
    }
}

#[tokio::test]
async fn stream_start_creates_a_managed_room_and_announces_the_stream() {
    // GIVEN no room follows the channel
    let h = Harness::start(None).await;
    // WHEN the channel goes live
    let outcome = h.send(START).await;
    // THEN a room tagged with the channel exists and received app:stream_start with details
    assert!(
        matches!(
            outcome,
            StreamEventOutcome::Applied {
                room_created: true,
                ..
            }
        ),
        "{outcome:?}"
    );
    let rooms = h.stream_rooms();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].tags[DEPLOYMENT_TAG], DEPLOYMENT);
    assert_eq!(rooms[0].tags[LAST_EVENT_TAG], "2026-11-26T05:00:00Z");
    assert_eq!(rooms[0].name, "friday-show");
    assert!(rooms[0].message_review_handler.is_some());
    let journal = h.emulator.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].event_name.as_deref(), Some("app:stream_start"));
    assert_eq!(journal[0].attributes["channelArn"], CHANNEL);
    assert_eq!(
        journal[0].attributes["streamId"],
        "st-1AbCdEfGhIjKlMnOpQrStUv"
    );
    assert_eq!(journal[0].room_arn, rooms[0].arn);
}

#[tokio::test]
async fn start_then_end_announces_both_in_the_same_room_and_marks_it_ended() {
    // GIVEN a live channel WHEN its stream ends THEN the same room gets app:stream_end and the ended tag
    let h = Harness::start(None).await;
    h.send(START).await;
    let outcome = h.send(END).await;
    assert!(
        matches!(
            outcome,
            StreamEventOutcome::Applied {
                room_created: false,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(h.chat_events(), ["app:stream_start", "app:stream_end"]);
    let rooms = h.stream_rooms();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].tags[STREAM_ENDED_TAG], "2026-11-26T06:30:00Z");
}

#[tokio::test]
async fn a_duplicated_event_is_applied_once() {
    // GIVEN the Stream Start was applied WHEN it is delivered again
    let h = Harness::start(None).await;
    h.send(START).await;
    let outcome = h.send(START_DUPLICATE).await;
    // THEN it is ignored: one room, one announcement
    assert!(
        matches!(outcome, StreamEventOutcome::IgnoredStale { .. }),
        "{outcome:?}"
    );
    assert_eq!(h.stream_rooms().len(), 1);
    assert_eq!(h.chat_events(), ["app:stream_start"]);
}

#[tokio::test]
async fn a_late_start_after_the_end_does_not_reopen_the_stream() {
    // GIVEN events arrive reversed: End (06:30) first, then an older Start (04:00)
    let h = Harness::start(None).await;
    h.send(END).await;
    let outcome = h.send(START_LATE).await;
    // THEN the start is ignored and the room stays ended
    assert!(
        matches!(&outcome, StreamEventOutcome::IgnoredStale { last_applied, .. } if last_applied == "2026-11-26T06:30:00Z"),
        "{outcome:?}"
    );
    assert_eq!(h.chat_events(), ["app:stream_end"]);
    let rooms = h.stream_rooms();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].tags[STREAM_ENDED_TAG], "2026-11-26T06:30:00Z");
}

#[tokio::test]
async fn a_new_start_after_an_end_reopens_the_room() {
    // GIVEN an ended stream WHEN a newer Start arrives THEN the room is live again
    let h = Harness::start(None).await;
    h.send(START).await;
    h.send(END).await;
    let restart = START.replace("2026-11-26T05:00:00Z", "2026-11-26T08:00:00Z");
    let outcome = h.send(&restart).await;
    assert!(
        matches!(
            outcome,
            StreamEventOutcome::Applied {
                room_created: false,
                ..
            }
        ),
        "{outcome:?}"
    );
    let room = &h.stream_rooms()[0];
    assert!(!room.tags.contains_key(STREAM_ENDED_TAG));
    assert_eq!(room.tags[LAST_EVENT_TAG], "2026-11-26T08:00:00Z");
}

#[tokio::test]
async fn other_event_names_are_ignored_without_creating_anything() {
    // GIVEN a Session Created event WHEN handled THEN it is ignored and nothing is created
    let h = Harness::start(None).await;
    let outcome = h.send(SESSION_CREATED).await;
    assert!(
        matches!(outcome, StreamEventOutcome::IgnoredEventName { .. }),
        "{outcome:?}"
    );
    assert!(h.emulator.rooms().is_empty());
    assert!(h.emulator.journal().is_empty());
}

#[tokio::test]
async fn events_from_another_account_are_ignored() {
    // GIVEN AWS_ACCOUNT_ID is set WHEN an event of another account arrives THEN it is ignored
    let h = Harness::start(None).await;
    let foreign = START.replace(
        "\"account\": \"123456789012\"",
        "\"account\": \"210987654321\"",
    );
    let outcome = h.send(&foreign).await;
    assert!(
        matches!(outcome, StreamEventOutcome::IgnoredForeignAccount { .. }),
        "{outcome:?}"
    );
    assert!(h.emulator.rooms().is_empty());
}

#[tokio::test]
async fn a_room_of_another_deployment_for_the_channel_is_not_used() {
    // GIVEN another deployment's room follows the same channel
    let h = Harness::start(None).await;
    h.client
        .create_room(&CreateRoomRequest {
            tags: BTreeMap::from([
                (DEPLOYMENT_TAG.to_owned(), "other".to_owned()),
                (CHANNEL_TAG.to_owned(), CHANNEL.to_owned()),
            ]),
            ..Default::default()
        })
        .await
        .expect("created");
    // WHEN the stream starts THEN this deployment creates its own room and leaves that one alone
    let outcome = h.send(START).await;
    assert!(
        matches!(
            outcome,
            StreamEventOutcome::Applied {
                room_created: true,
                ..
            }
        ),
        "{outcome:?}"
    );
    let theirs: Vec<_> = h
        .stream_rooms()
        .into_iter()
        .filter(|r| r.tags[DEPLOYMENT_TAG] == "other")
        .collect();
    assert!(!theirs[0].tags.contains_key(LAST_EVENT_TAG));
}

#[tokio::test]
async fn an_event_without_a_channel_arn_fails_clearly() {
    // GIVEN resources[0] is not a channel ARN WHEN handled THEN the error says so
    let h = Harness::start(None).await;
    let payload: Value = serde_json::from_str(&START.replace(CHANNEL, "not-an-arn")).expect("json");
    let error = handle(&h.paced, &h.config, payload, NOW)
        .await
        .expect_err("no channel");
    assert!(error.to_string().contains("resources[0]"), "{error}");
}

/// A second managed room for [`CHANNEL`], as a Stream Start racing the first one leaves behind.
async fn race_duplicate(h: &Harness) -> String {
    // Created after the first room, so it is the younger one.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let room = h
        .client
        .create_room(&CreateRoomRequest {
            name: Some("friday-show".into()),
            tags: BTreeMap::from([
                (DEPLOYMENT_TAG.to_owned(), DEPLOYMENT.to_owned()),
                (CHANNEL_TAG.to_owned(), CHANNEL.to_owned()),
                (
                    ivschat_api::managed::RESOURCE_KEY_TAG.to_owned(),
                    "stream-AbCdEf123456".to_owned(),
                ),
                (LAST_EVENT_TAG.to_owned(), "2026-11-26T05:00:00Z".to_owned()),
            ]),
            ..Default::default()
        })
        .await
        .expect("duplicate created");
    room.arn.to_string()
}

#[tokio::test]
async fn a_duplicate_room_left_by_racing_starts_is_deleted_by_the_next_event() {
    // GIVEN the channel's room, and a younger duplicate left by a racing Stream Start
    let h = Harness::start(None).await;
    h.send(START).await;
    let duplicate = race_duplicate(&h).await;
    assert_eq!(h.stream_rooms().len(), 2);
    // WHEN the stream ends
    let outcome = h.send(END).await;
    // THEN the oldest room gets the event and the duplicate is deleted
    let StreamEventOutcome::Applied {
        room_arn,
        duplicates_deleted,
        ..
    } = outcome
    else {
        panic!("applied expected, got {outcome:?}");
    };
    assert_eq!(duplicates_deleted, std::slice::from_ref(&duplicate));
    let rooms = h.stream_rooms();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].arn.to_string(), room_arn);
    assert_ne!(room_arn, duplicate);
    assert!(rooms[0].tags.contains_key(STREAM_ENDED_TAG));
}

#[tokio::test]
async fn a_duplicate_room_is_deleted_even_when_the_event_is_stale() {
    // GIVEN a duplicate, and the Start delivered again (stale for the oldest room)
    let h = Harness::start(None).await;
    h.send(START).await;
    let duplicate = race_duplicate(&h).await;
    let outcome = h.send(START_DUPLICATE).await;
    // THEN nothing is announced again, but the duplicate is gone
    assert!(
        matches!(&outcome, StreamEventOutcome::IgnoredStale { duplicates_deleted, .. } if duplicates_deleted == std::slice::from_ref(&duplicate)),
        "{outcome:?}"
    );
    assert_eq!(h.stream_rooms().len(), 1);
    assert_eq!(h.chat_events(), ["app:stream_start"]);
}

#[tokio::test]
async fn the_sweep_deletes_duplicates_of_a_live_channel_and_keeps_the_oldest() {
    // GIVEN a live channel with a duplicate room and a sweep delay of an hour
    let h = Harness::start(Some(60)).await;
    h.send(START).await;
    let oldest = h.stream_rooms()[0].arn.to_string();
    let duplicate = race_duplicate(&h).await;
    // WHEN swept at once
    let report = sweep(&h, SWEEP, NOW).await;
    // THEN only the duplicate goes, with the reason; the live room stays
    assert_eq!(report.stream_rooms, 2);
    assert_eq!(report.rooms.len(), 1, "{report:?}");
    assert_eq!(report.rooms[0].room_arn, duplicate);
    assert_eq!(report.rooms[0].reason, format!("duplicate of {oldest}"));
    assert_eq!(report.rooms[0].status, "deleted");
    let rooms = h.stream_rooms();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].arn.to_string(), oldest);
}

async fn sweep(h: &Harness, fixture: &str, now: OffsetDateTime) -> stream_lifecycle::SweepReport {
    match h.send_at(fixture, now).await {
        LifecycleResult::Sweep(report) => report,
        other => panic!("expected a sweep report, got {other:?}"),
    }
}

#[tokio::test]
async fn sweep_deletes_only_rooms_whose_stream_ended_longer_ago_than_the_delay() {
    // GIVEN a 60-minute delay; channel A ended at 06:30, channel B at 07:30, channel C is live,
    // and a hand-made room exists
    let h = Harness::start(Some(60)).await;
    h.send(START).await;
    h.send(END).await;
    let channel_b = |f: &str| f.replace("channel/AbCdEf123456", "channel/BbBbBb123456");
    h.send(&channel_b(&END.replace("06:30:00", "07:30:00")))
        .await;
    h.send(&START.replace("channel/AbCdEf123456", "channel/CcCcCc123456"))
        .await;
    h.client
        .create_room(&CreateRoomRequest::default())
        .await
        .expect("hand-made");
    // WHEN swept at 07:45 (A is 75 min past its end, B 15 min)
    let report = sweep(&h, SWEEP, datetime!(2026-11-26 07:45 UTC)).await;
    // THEN only A's room is deleted
    assert_eq!(report.stream_rooms, 3);
    assert_eq!(report.rooms.len(), 1, "{report:?}");
    assert_eq!(report.rooms[0].channel_arn, CHANNEL);
    assert_eq!(report.rooms[0].status, "deleted");
    assert!(h.stream_rooms().is_empty());
    assert_eq!(h.emulator.rooms().len(), 3);
}

#[tokio::test]
async fn sweep_dry_run_lists_rooms_and_deletes_nothing() {
    // GIVEN an ended stream and a zero delay WHEN a dry-run sweep runs THEN the room is listed and kept
    let h = Harness::start(Some(0)).await;
    h.send(START).await;
    h.send(END).await;
    let report = sweep(&h, SWEEP_DRY_RUN, NOW).await;
    assert_eq!(report.rooms.len(), 1);
    assert_eq!(report.rooms[0].status, "planned");
    assert_eq!(h.stream_rooms().len(), 1);
}

#[tokio::test]
async fn sweep_without_a_configured_delay_deletes_nothing() {
    // GIVEN no delay configured WHEN swept years later THEN nothing is deleted
    let h = Harness::start(None).await;
    h.send(START).await;
    h.send(END).await;
    let report = sweep(&h, SWEEP, datetime!(2030-01-01 00:00 UTC)).await;
    assert_eq!(report.delete_after_end_minutes, None);
    assert!(report.rooms.is_empty());
    assert_eq!(h.stream_rooms().len(), 1);
}

#[tokio::test]
async fn unrecognised_input_is_refused() {
    // GIVEN an unknown action WHEN handled THEN the input is refused
    let h = Harness::start(None).await;
    let error = handle(
        &h.paced,
        &h.config,
        serde_json::json!({"action": "purge"}),
        NOW,
    )
    .await
    .expect_err("unknown action");
    assert!(
        error.to_string().starts_with("unrecognised input"),
        "{error}"
    );
}
