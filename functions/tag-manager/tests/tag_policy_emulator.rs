//! The tag manager against the local IVS Chat emulator: the scheduled enforcement (and its dry
//! run) across managed and unmanaged resources, and the `POST /tags` admin route.

use std::collections::BTreeMap;

use http::StatusCode;
use ivschat_api::managed::DEPLOYMENT_TAG;
use ivschat_api::model::{CreateLoggingConfigurationRequest, CreateRoomRequest, Destination};
use ivschat_api::{ChatClient, PacedChatClient, RoomArn};
use ivschat_emulator::{Emulator, FaultKind, FaultRule, FaultTrigger, RunningEmulator};
use serde_json::Value;
use tag_manager::handler::{ScheduledRun, handle_scheduled, handle_tags_request};
use tag_manager::{TagManagerConfig, TagPolicy};

const POLICY: &str = r#"
forbidden = ["temp"]

[tags.cost-center]
default = "live-video"
allowed = ["live-video", "marketing"]

[tags.owner]
"#;
const FIXTURE_ROOM: &str = "arn:aws:ivschat:us-east-1:123456789012:room/ManagedRoom1";

struct Harness {
    emulator: RunningEmulator,
    client: ChatClient,
    paced: PacedChatClient,
    config: TagManagerConfig,
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

impl Harness {
    async fn start() -> Self {
        let emulator = Emulator::builder().start().await.expect("emulator starts");
        let client = toolkit_test_support::client(&emulator);
        let paced = toolkit_test_support::paced_client(&emulator);
        let config = TagManagerConfig {
            region: "us-east-1".into(),
            policy_source: "test".into(),
            policy: TagPolicy::parse(POLICY).expect("valid policy"),
            admin: http_api::AdminAccess {
                claims: http_api::ClaimNames::default(),
                roles: vec!["admin".into()],
            },
        };
        Self {
            emulator,
            client,
            paced,
            config,
        }
    }

    async fn room(&self, name: &str, tags: BTreeMap<String, String>) -> RoomArn {
        self.client
            .create_room(&CreateRoomRequest {
                name: Some(name.into()),
                maximum_message_length: Some(123),
                tags,
                ..Default::default()
            })
            .await
            .expect("created")
            .arn
    }

    fn tags_of(&self, arn: &str) -> BTreeMap<String, String> {
        self.emulator
            .rooms()
            .into_iter()
            .find(|r| r.arn == arn)
            .map(|r| r.tags)
            .or_else(|| {
                self.emulator
                    .logging_configurations()
                    .into_iter()
                    .find(|lc| lc.arn == arn)
                    .map(|lc| lc.tags)
            })
            .expect("resource exists")
    }

    async fn run(&self, dry_run: bool) -> tag_manager::EnforcementReport {
        handle_scheduled(&self.paced, &self.config, ScheduledRun { dry_run })
            .await
            .expect("listed")
    }

    async fn post(&self, fixture: &str, room: &RoomArn) -> (StatusCode, Value) {
        let request = lambda_http::request::from_str(&fixture.replace(FIXTURE_ROOM, room.as_str()))
            .expect("fixture is an HTTP API request");
        let response = handle_tags_request(&self.paced, &self.config, request).await;
        let body = serde_json::from_slice(response.body().as_ref()).expect("JSON body");
        (response.status(), body)
    }
}

/// Three resources: a compliant managed room, a non-compliant hand-made room, and a logging
/// configuration with no tags.
async fn mixed_account(h: &Harness) -> (RoomArn, RoomArn, String) {
    let compliant = h
        .room(
            "good",
            tags(&[
                (DEPLOYMENT_TAG, "prod"),
                ("cost-center", "marketing"),
                ("owner", "team-a"),
            ]),
        )
        .await;
    let messy = h
        .room(
            "messy",
            tags(&[("cost-center", "misc"), ("temp", "1"), ("extra", "keep")]),
        )
        .await;
    let lc = h
        .client
        .create_logging_configuration(&CreateLoggingConfigurationRequest {
            name: Some("archive".into()),
            destination: Destination::S3 {
                bucket_name: "archive".into(),
            },
            tags: BTreeMap::new(),
        })
        .await
        .expect("created")
        .arn
        .to_string();
    (compliant, messy, lc)
}

#[tokio::test]
async fn enforcement_fixes_what_it_can_reports_the_rest_and_touches_only_tags() {
    // GIVEN a compliant room, a messy hand-made room and an untagged logging configuration
    let h = Harness::start().await;
    let (compliant, messy, lc) = mixed_account(&h).await;
    // WHEN the policy is enforced
    let report = h.run(false).await;
    // THEN the messy room's value is replaced, the forbidden tag removed, other tags kept
    assert_eq!(
        h.tags_of(messy.as_str()),
        tags(&[("cost-center", "live-video"), ("extra", "keep")])
    );
    // AND the configuration got the default, and both missing owners are reported
    assert_eq!(h.tags_of(&lc), tags(&[("cost-center", "live-video")]));
    assert_eq!(report.totals.resources_checked, 3);
    assert_eq!(report.totals.resources_changed, 2);
    assert_eq!(
        (
            report.totals.tags_added,
            report.totals.tags_replaced,
            report.totals.tags_removed
        ),
        (1, 1, 1)
    );
    assert_eq!(report.totals.findings, 2);
    assert!(report.resources.iter().all(|r| r.arn != compliant.as_str()));
    // AND room settings are untouched
    assert!(
        h.emulator
            .rooms()
            .iter()
            .all(|r| r.maximum_message_length == 123)
    );
    // AND a second run changes nothing (only the unfixable findings remain)
    let again = h.run(false).await;
    assert_eq!(again.totals.resources_changed, 0, "{again:#?}");
    assert_eq!(again.totals.findings, 2);
}

#[tokio::test]
async fn dry_run_reports_the_same_changes_and_changes_nothing() {
    // GIVEN a non-compliant account WHEN enforced as a dry run THEN changes are reported and no tag changes
    let h = Harness::start().await;
    let (_, messy, lc) = mixed_account(&h).await;
    let before = (h.tags_of(messy.as_str()), h.tags_of(&lc));
    let report = h.run(true).await;
    assert_eq!(report.totals.resources_changed, 2);
    assert!(report.dry_run);
    assert_eq!((h.tags_of(messy.as_str()), h.tags_of(&lc)), before);
    let json = serde_json::to_value(&report).expect("json");
    assert!(
        json["resources"]
            .as_array()
            .expect("list")
            .iter()
            .any(|r| r["outcome"]["status"] == "planned")
    );
}

#[tokio::test]
async fn throttled_tag_calls_are_retried() {
    // GIVEN tag calls throttled twice each WHEN enforced THEN retries succeed and the forbidden tag is gone
    let h = Harness::start().await;
    let (_, messy, _) = mixed_account(&h).await;
    for operation in ["TagResource", "UntagResource"] {
        h.emulator
            .set_fault(FaultRule {
                operation: operation.into(),
                kind: FaultKind::Throttle,
                trigger: FaultTrigger::NextCalls(2),
                probability: None,
            })
            .expect("fault");
    }
    let report = h.run(false).await;
    assert_eq!(report.totals.failed, 0, "{report:#?}");
    assert!(!h.tags_of(messy.as_str()).contains_key("temp"));
}

const TAGS_REQUEST: &str = include_str!("../../../events/tag-manager/tags-request.json");
const NOT_ADMIN: &str = include_str!("../../../events/tag-manager/tags-request-not-admin.json");

#[tokio::test]
async fn admin_route_tags_and_untags_one_resource() {
    // GIVEN a room with a forbidden tag WHEN an admin posts the fixture
    let h = Harness::start().await;
    let room = h.room("lobby", tags(&[("temp", "1")])).await;
    let (status, body) = h.post(TAGS_REQUEST, &room).await;
    // THEN the tags are set and removed and the answer shows the result
    assert_eq!(status, StatusCode::OK, "{body}");
    let expected = tags(&[("cost-center", "marketing"), ("owner", "community-team")]);
    assert_eq!(h.tags_of(room.as_str()), expected);
    assert_eq!(body["tags"]["owner"], "community-team");
    assert_eq!(body["resourceArn"], room.as_str());
}

#[tokio::test]
async fn admin_route_refuses_callers_without_the_admin_role() {
    // GIVEN a caller without the admin role WHEN they post THEN 403 and no tag changes
    let h = Harness::start().await;
    let room = h.room("lobby", BTreeMap::new()).await;
    let (status, body) = h.post(NOT_ADMIN, &room).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "RoleNotAllowed");
    assert!(h.tags_of(room.as_str()).is_empty());
}

#[tokio::test]
async fn admin_route_refuses_toolkit_keys_and_values_outside_the_policy() {
    // GIVEN a reserved key, then a disallowed value WHEN posted THEN 400 naming the tag and no tag changes
    let h = Harness::start().await;
    let room = h.room("lobby", BTreeMap::new()).await;
    let reserved = TAGS_REQUEST.replace("\\\"owner\\\"", "\\\"ivschat-toolkit:deployment\\\"");
    let (status, body) = h.post(&reserved, &room).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "tags.ivschat-toolkit:deployment");
    let disallowed = TAGS_REQUEST.replace("marketing", "misc");
    let (status, body) = h.post(&disallowed, &room).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "tags.cost-center");
    assert!(h.tags_of(room.as_str()).is_empty());
}

#[tokio::test]
async fn admin_route_answers_404_for_an_unknown_resource() {
    // GIVEN a room that does not exist WHEN posted THEN 404
    let h = Harness::start().await;
    let missing: RoomArn = FIXTURE_ROOM.parse().expect("arn");
    let (status, _) = h.post(TAGS_REQUEST, &missing).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[test]
fn schedule_inputs_deserialize() {
    let apply: ScheduledRun =
        serde_json::from_str(include_str!("../../../events/tag-manager/scheduled.json"))
            .expect("valid");
    let dry: ScheduledRun = serde_json::from_str(include_str!(
        "../../../events/tag-manager/scheduled-dry-run.json"
    ))
    .expect("valid");
    assert!(!apply.dry_run && dry.dry_run);
}
