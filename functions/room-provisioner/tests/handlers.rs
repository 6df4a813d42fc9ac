//! The Lambda entry points with the committed event fixtures: the schedule's input and the
//! `POST /provision` webhook.

mod common;

use common::{ATTEMPTS, DEPLOYMENT, desired, emulator, paced_client};
use http::StatusCode;
use lambda_http::Body;
use room_provisioner::ProvisionerConfig;
use room_provisioner::handler::{ScheduledRun, handle_provision_request, handle_scheduled};
use serde_json::Value;

const SPEC: &str = "[rooms.lobby]\nmaximumMessageLength = 200\n";

fn config() -> ProvisionerConfig {
    ProvisionerConfig {
        deployment: DEPLOYMENT.into(),
        region: "us-east-1".into(),
        spec_source: "test".into(),
        desired: desired(SPEC),
        admin: http_api::AdminAccess {
            claims: http_api::ClaimNames::default(),
            roles: vec!["admin".into()],
        },
    }
}

fn request(fixture: &str) -> lambda_http::Request {
    lambda_http::request::from_str(fixture).expect("fixture is an HTTP API request")
}

fn json_body(body: &Body) -> Value {
    serde_json::from_slice(body.as_ref()).expect("JSON body")
}

#[test]
fn schedule_inputs_deserialize_and_unknown_fields_are_refused() {
    let apply: ScheduledRun = serde_json::from_str(include_str!(
        "../../../events/room-provisioner/scheduled.json"
    ))
    .expect("valid");
    let dry: ScheduledRun = serde_json::from_str(include_str!(
        "../../../events/room-provisioner/scheduled-dry-run.json"
    ))
    .expect("valid");
    assert!(!apply.dry_run && dry.dry_run);
    assert!(serde_json::from_str::<ScheduledRun>("{}").is_ok_and(|r| !r.dry_run));
    assert!(serde_json::from_str::<ScheduledRun>(r#"{"dryrun": true}"#).is_err());
}

#[tokio::test]
async fn scheduled_run_applies_the_spec() {
    // GIVEN an empty account WHEN the schedule fires with dry_run false THEN the spec is applied
    let emulator = emulator().await;
    let report = handle_scheduled(
        &paced_client(&emulator),
        &config(),
        ScheduledRun { dry_run: false },
    )
    .await
    .expect("runs");
    assert_eq!(report.totals.applied, 1);
    assert_eq!(emulator.rooms()[0].maximum_message_length, 200);
}

#[tokio::test]
async fn provision_dry_run_answers_the_plan_and_creates_nothing() {
    // GIVEN an admin's dry-run request WHEN handled
    let emulator = emulator().await;
    let response = handle_provision_request(
        &paced_client(&emulator),
        &config(),
        request(include_str!(
            "../../../events/room-provisioner/provision-dry-run.json"
        )),
    )
    .await;
    // THEN 200 with the planned step, and nothing exists
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_body(response.body());
    assert_eq!(body["dry_run"], true);
    assert_eq!(body["steps"][0]["action"], "create_room");
    assert_eq!(body["steps"][0]["outcome"]["status"], "planned");
    assert!(emulator.rooms().is_empty());
}

#[tokio::test]
async fn provision_apply_creates_the_rooms() {
    // GIVEN an admin's apply request WHEN handled THEN 200 and the room exists
    let emulator = emulator().await;
    let response = handle_provision_request(
        &paced_client(&emulator),
        &config(),
        request(include_str!(
            "../../../events/room-provisioner/provision-apply.json"
        )),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response.body())["totals"]["applied"], 1);
    assert_eq!(emulator.rooms().len(), 1);
}

#[tokio::test]
async fn provision_without_the_admin_role_is_forbidden() {
    // GIVEN a caller without the admin role WHEN they post THEN 403 and nothing changes
    let emulator = emulator().await;
    let response = handle_provision_request(
        &paced_client(&emulator),
        &config(),
        request(include_str!(
            "../../../events/room-provisioner/provision-not-admin.json"
        )),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        json_body(response.body())["error"]["code"],
        "RoleNotAllowed"
    );
    assert!(emulator.rooms().is_empty());
}

#[tokio::test]
async fn provision_with_a_non_boolean_dry_run_names_the_field() {
    // GIVEN dry_run as a string WHEN posted THEN 400 naming dry_run
    let emulator = emulator().await;
    let fixture = include_str!("../../../events/room-provisioner/provision-dry-run.json")
        .replace(r#"{\"dry_run\": true}"#, r#"{\"dry_run\": \"yes\"}"#);
    let response =
        handle_provision_request(&paced_client(&emulator), &config(), request(&fixture)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(response.body())["error"]["field"], "dry_run");
}

#[tokio::test]
async fn provision_with_get_is_method_not_allowed() {
    // GIVEN the route with GET WHEN handled THEN 405
    let emulator = emulator().await;
    let fixture = include_str!("../../../events/room-provisioner/provision-dry-run.json")
        .replace(r#""method": "POST""#, r#""method": "GET""#);
    let response =
        handle_provision_request(&paced_client(&emulator), &config(), request(&fixture)).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn provision_reads_roles_from_the_configured_claim() {
    // GIVEN a deployment whose roles live in the `custom:roles` claim (ROLES_CLAIM)
    let emulator = emulator().await;
    let mut config = config();
    config.admin.claims.roles = "custom:roles".into();
    let fixture = include_str!("../../../events/room-provisioner/provision-dry-run.json");
    // WHEN an admin's roles arrive in that claim THEN the request is allowed
    let allowed = handle_provision_request(
        &paced_client(&emulator),
        &config,
        request(&fixture.replace("cognito:groups", "custom:roles")),
    )
    .await;
    assert_eq!(allowed.status(), StatusCode::OK);
    // WHEN they arrive only in the default claim THEN it is refused: the default is not read
    let refused =
        handle_provision_request(&paced_client(&emulator), &config, request(fixture)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn provision_answers_207_with_the_report_when_a_step_fails() {
    // GIVEN CreateRoom fails on every attempt
    let emulator = emulator().await;
    emulator
        .set_fault(ivschat_emulator::FaultRule {
            operation: "CreateRoom".into(),
            kind: ivschat_emulator::FaultKind::InternalError,
            trigger: ivschat_emulator::FaultTrigger::NextCalls(ATTEMPTS),
            probability: None,
        })
        .expect("fault");
    // WHEN an admin applies the spec
    let response = handle_provision_request(
        &paced_client(&emulator),
        &config(),
        request(include_str!(
            "../../../events/room-provisioner/provision-apply.json"
        )),
    )
    .await;
    // THEN 207 Multi-Status carries the report with the failed step and nothing was created
    assert_eq!(response.status(), StatusCode::MULTI_STATUS);
    let body = json_body(response.body());
    assert_eq!(body["totals"]["failed"], 1, "{body}");
    assert_eq!(body["steps"][0]["outcome"]["status"], "failed", "{body}");
    assert_eq!(
        body["steps"][0]["outcome"]["error_kind"], "InternalServer",
        "{body}"
    );
    assert!(emulator.rooms().is_empty());
}
