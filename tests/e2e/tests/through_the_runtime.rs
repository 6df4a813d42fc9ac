//! Each function's release binary, as `sam build` produced it, running under the AWS Lambda
//! Runtime Interface Emulator, invoked over HTTP with the `events/` fixtures, and talking to the
//! local IVS Chat emulator through `AWS_ENDPOINT_URL_IVSCHAT`. `sam build` builds the
//! template's default architecture, arm64, so on an x86_64 machine every function runs under
//! qemu user-mode emulation; the review handler's suite runs on the native build too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use e2e::{
    Architecture, LambdaUnderRie, bootstrap_path, native_review_handler_path, workspace_root,
};
use ivschat_api::managed::{CHANNEL_TAG, DEPLOYMENT_TAG, RESOURCE_KEY_TAG};
use ivschat_emulator::{Capability, Emulator, JournalAction, RunningEmulator};
use serde_json::{Value, json};

const DEPLOYMENT: &str = "chat-prod";
const ACCOUNT: &str = "123456789012";

async fn emulator() -> RunningEmulator {
    Emulator::builder()
        .start()
        .await
        .expect("IVS Chat emulator starts")
}

/// The emulator holding the rooms the API fixtures name.
async fn emulator_with_fixture_rooms() -> RunningEmulator {
    let emulator = emulator().await;
    let tags = |d: &str| BTreeMap::from([(DEPLOYMENT_TAG.to_string(), d.to_string())]);
    emulator
        .create_room_with_id("ManagedRoom1", "main-stage", tags(DEPLOYMENT))
        .expect("seeded");
    emulator
        .create_room_with_id("OtherDeploy1", "elsewhere", tags("chat-staging"))
        .expect("seeded");
    emulator
}

fn path_in_repo(relative: &str) -> String {
    workspace_root().join(relative).display().to_string()
}

fn body_of(response: &Value) -> Value {
    let body = response["body"]
        .as_str()
        .unwrap_or_else(|| panic!("no body in {response}"));
    serde_json::from_str(body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {body}"))
}

/// The review handler as `sam build` built it (arm64, the template's default, under qemu on an
/// x86_64 machine) and as built for this machine: the two tests that loop over these run on
/// both architectures; the other review-handler tests run the deployed arm64 build only.
fn review_handler_builds() -> Vec<PathBuf> {
    let deployed = bootstrap_path("ReviewHandlerFunction").expect("sam build output");
    let native = native_review_handler_path().expect("native build (scripts/test-all builds it)");
    vec![deployed, native]
}

#[tokio::test]
async fn review_handler_denies_evasive_profanity_and_allows_clean_text() {
    for build in review_handler_builds() {
        eprintln!(
            "review handler {build:?} ({:?})",
            Architecture::of_binary(&build)
        );
        denies_evasive_profanity_and_allows_clean_text(&build).await;
    }
}

async fn denies_evasive_profanity_and_allows_clean_text(build: &Path) {
    // GIVEN the review handler with the fixture policy, loaded at cold start from a file
    let policy = path_in_repo("events/review/policy.toml");
    let lambda = LambdaUnderRie::start_binary(
        build,
        "ReviewHandlerFunction",
        &[("REVIEW_POLICY_PATH", &policy)],
    )
    .await
    .expect("review handler starts");

    // WHEN IVS sends a message hiding a swear word behind zero-width and soft-hyphen characters
    let denied = lambda
        .invoke_fixture("review/deny.json")
        .await
        .expect("invoked");
    // THEN it is denied with a reason for the sender
    assert_eq!(denied["ReviewResult"], "DENY", "{denied}");
    assert!(
        denied["Attributes"]["Reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{denied}"
    );

    // WHEN a clean message arrives THEN it is allowed unchanged
    let allowed = lambda
        .invoke_fixture("review/allow.json")
        .await
        .expect("invoked");
    let original: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("events/review/allow.json"))
            .expect("fixture"),
    )
    .expect("JSON");
    assert_eq!(allowed["ReviewResult"], "ALLOW", "{allowed}");
    assert_eq!(allowed["Content"], original["Content"]);

    // WHEN the event is malformed THEN the function fails, so IVS applies fallbackResult
    let failed = lambda
        .invoke(&json!({"MessageId": "A1b2C3d4E5f6"}))
        .await
        .expect("invoked");
    assert!(failed["errorType"].is_string(), "{failed}");
    assert!(failed.get("ReviewResult").is_none(), "{failed}");
    lambda.stop().await;
}

#[tokio::test]
async fn review_handler_fails_its_cold_start_on_a_broken_policy() {
    for build in review_handler_builds() {
        fails_its_cold_start_on_a_broken_policy(&build).await;
    }
}

async fn fails_its_cold_start_on_a_broken_policy(build: &Path) {
    let broken = std::env::temp_dir().join(format!("broken-policy-{}.toml", std::process::id()));
    std::fs::write(&broken, "[profiles.default]\nnot_a_field = 1\n").expect("written");
    let lambda = LambdaUnderRie::start_binary(
        build,
        "ReviewHandlerFunction",
        &[("REVIEW_POLICY_PATH", &broken.display().to_string())],
    )
    .await
    .expect("emulator starts");
    let allow: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("events/review/allow.json"))
            .expect("fixture"),
    )
    .expect("JSON");
    let outcome = lambda.invoke_raw(&allow).await.expect("invoked");
    // The runtime exits during init, so IVS would get no reply and apply fallbackResult.
    assert!(!outcome.body.contains("ReviewResult"), "{outcome:?}");
    let logs = lambda.output().text();
    assert!(
        logs.contains("not_a_field"),
        "the init error names the bad entry: {logs}"
    );
    assert!(
        logs.contains(&broken.display().to_string()),
        "and the file: {logs}"
    );
    lambda.stop().await;
}

fn api_env(emulator: &RunningEmulator) -> Vec<(&str, &str)> {
    vec![
        ("AWS_ENDPOINT_URL_IVSCHAT", emulator.url()),
        ("DEPLOYMENT_NAME", DEPLOYMENT),
        ("AWS_ACCOUNT_ID", ACCOUNT),
        ("DISPLAY_NAME_CLAIM", "preferred_username"),
    ]
}

#[tokio::test]
async fn token_api_mints_a_token_bound_to_the_callers_jwt() {
    // GIVEN the token API in front of a room this deployment manages
    let emulator = emulator_with_fixture_rooms().await;
    let lambda = LambdaUnderRie::start("TokenApiFunction", &api_env(&emulator))
        .await
        .expect("token API starts");

    // WHEN a chatter asks for a token
    let response = lambda
        .invoke_fixture("token-api/post-token-chatter.json")
        .await
        .expect("invoked");

    // THEN the token the emulator verifies carries the JWT's user, the chatter's capability and
    // server-set attributes
    assert_eq!(response["statusCode"], 200, "{response}");
    let body = body_of(&response);
    let token = body["token"].as_str().expect("token");
    let grant = emulator
        .verify_chat_token(token)
        .expect("the emulator issued it");
    assert_eq!(
        grant.user_id, "5b6c7d8e-0001-4a2b-9c3d-chatter00001",
        "{grant:?}"
    );
    assert_eq!(
        grant.room_arn,
        "arn:aws:ivschat:us-east-1:123456789012:room/ManagedRoom1"
    );
    assert_eq!(grant.capabilities, [Capability::SendMessage], "{grant:?}");
    assert_eq!(
        grant.attributes.get("displayName").map(String::as_str),
        Some("Chatty Cathy")
    );
    assert_eq!(
        grant.attributes.get("role").map(String::as_str),
        Some("chatter")
    );

    // AND the token never reaches the logs
    assert!(
        !lambda.output().text().contains(token),
        "token leaked into logs"
    );

    // AND a caller without claims, or for another deployment's room, gets nothing
    let no_claims = lambda
        .invoke_fixture("token-api/post-token-no-claims.json")
        .await
        .expect("invoked");
    assert_eq!(no_claims["statusCode"], 401, "{no_claims}");
    let other = lambda
        .invoke_fixture("token-api/post-token-other-deployment-room.json")
        .await
        .expect("invoked");
    assert_eq!(other["statusCode"], 403, "{other}");
    lambda.stop().await;
}

/// The fixture signed now with the v2 scheme (method, path, timestamp, nonce, body) and
/// `nonce`.
fn signed(fixture: &str, secret: &str, nonce: &str) -> Value {
    let path = workspace_root().join("events").join(fixture);
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    let body = event["body"].as_str().expect("body").to_string();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let signer = http_api::WebhookSecret::new("secret", secret.as_bytes()).expect("key");
    let signature = signer.sign_v2("POST", "/webhooks/moderation", now, nonce, body.as_bytes());
    event["headers"]["x-signature-timestamp"] = json!(now.to_string());
    event["headers"]["x-signature-nonce"] = json!(nonce);
    event["headers"]["x-signature"] = json!(signature);
    event
}

#[tokio::test]
async fn moderation_api_records_moderator_and_webhook_actions_in_the_journal() {
    // GIVEN the moderation API, its webhook secret kept in Secrets Manager and fetched at cold
    // start
    let emulator = emulator_with_fixture_rooms().await;
    let secret = "e2e-webhook-secret-of-at-least-32-bytes!";
    let secrets = toolkit_test_support::secrets_manager_stand_in(BTreeMap::from([(
        "chat-webhook".to_string(),
        json!({"Name": "chat-webhook", "SecretString": secret}),
    )]))
    .await;
    let mut env = api_env(&emulator);
    env.push(("WEBHOOK_SECRET_ARN", "chat-webhook"));
    env.push(("AWS_ENDPOINT_URL_SECRETS_MANAGER", &secrets));
    env.push(("EVENT_NAME_ALLOW_LIST", "app:stream_live"));
    // Seen webhook nonces live in a state table on the loopback DynamoDB-compatible server.
    let dynamodb = toolkit_test_support::dynamodb_url();
    let table = toolkit_test_support::state_table().await;
    env.push(("AWS_ENDPOINT_URL_DYNAMODB", &dynamodb));
    env.push(("STATE_TABLE_NAME", table.name()));
    let lambda = LambdaUnderRie::start("ModerationApiFunction", &env)
        .await
        .expect("moderation API starts");

    // WHEN a moderator deletes a message and a signed webhook sends an event
    let deleted = lambda
        .invoke_fixture("moderation-api/delete-message-moderator.json")
        .await
        .expect("invoked");
    let sent = lambda
        .invoke(&signed(
            "moderation-api/webhook-send-event-signed.json",
            secret,
            "e2e-nonce-send-event-0001",
        ))
        .await
        .expect("invoked");

    // THEN both succeed and both reach IVS Chat
    assert_eq!(deleted["statusCode"], 200, "{deleted}");
    assert_eq!(sent["statusCode"], 200, "{sent}");
    let journal = emulator.journal();
    assert_eq!(journal.len(), 2, "{journal:?}");
    assert_eq!(journal[0].action, JournalAction::DeleteMessage);
    assert_eq!(journal[0].message_id.as_deref(), Some("Msg000000001"));
    assert_eq!(journal[1].action, JournalAction::SendEvent);
    assert_eq!(journal[1].event_name.as_deref(), Some("app:stream_live"));

    // AND a chatter, or a badly signed webhook, changes nothing
    let chatter = lambda
        .invoke_fixture("moderation-api/delete-message-chatter.json")
        .await
        .expect("invoked");
    assert_eq!(chatter["statusCode"], 403, "{chatter}");
    let forged = lambda
        .invoke(&signed(
            "moderation-api/webhook-send-event-signed.json",
            "some-other-secret-that-is-32-bytes-long",
            "e2e-nonce-forged-000001",
        ))
        .await
        .expect("invoked");
    assert_eq!(forged["statusCode"], 401, "{forged}");
    assert_eq!(emulator.journal().len(), 2);
    assert!(
        !lambda.output().text().contains(secret),
        "secret leaked into logs"
    );
    lambda.stop().await;
}

#[tokio::test]
async fn moderation_api_refuses_replays_and_survives_crafted_requests() {
    // GIVEN the built moderation API with its webhook on and a state table for seen nonces
    let emulator = emulator_with_fixture_rooms().await;
    let secret = "e2e-webhook-secret-of-at-least-32-bytes!";
    let dynamodb = toolkit_test_support::dynamodb_url();
    let table = toolkit_test_support::state_table().await;
    let mut env = api_env(&emulator);
    env.push(("WEBHOOK_SECRET", secret));
    env.push(("EVENT_NAME_ALLOW_LIST", "app:stream_live"));
    env.push(("AWS_ENDPOINT_URL_DYNAMODB", &dynamodb));
    env.push(("STATE_TABLE_NAME", table.name()));
    let lambda = LambdaUnderRie::start("ModerationApiFunction", &env)
        .await
        .expect("moderation API starts");

    // WHEN a signed webhook is delivered twice
    let event = signed(
        "moderation-api/webhook-send-event-signed.json",
        secret,
        "e2e-nonce-replayed-00001",
    );
    let first = lambda.invoke(&event).await.expect("invoked");
    let replay = lambda.invoke(&event).await.expect("invoked");
    // THEN it acts once, and the replay is a 409
    assert_eq!(first["statusCode"], 200, "{first}");
    assert_eq!(replay["statusCode"], 409, "{replay}");
    assert_eq!(body_of(&replay)["error"]["code"], "ReplayDetected");
    assert_eq!(emulator.journal().len(), 1);

    // WHEN the timestamp header holds the value that once overflowed the clock arithmetic
    let mut huge = event.clone();
    huge["headers"]["x-signature-timestamp"] = json!("18446744073709551615");
    let refused = lambda.invoke(&huge).await.expect("invoked");
    // THEN it is a clean 401 from the same process
    assert_eq!(refused["statusCode"], 401, "{refused}");

    // WHEN an event makes the runtime's request conversion panic (a query string no URI
    // allows: API Gateway never sends one, a direct invoke can)
    let mut crafted = event.clone();
    crafted["rawQueryString"] = json!("a b");
    let crashed = lambda.invoke(&crafted).await.expect("invoked");
    // THEN that one invocation fails
    assert!(crashed["errorType"].is_string(), "{crashed}");
    assert!(crashed.get("statusCode").is_none(), "{crashed}");
    // AND the process lives on: the next request is answered without a new cold start
    let after = lambda
        .invoke_fixture("moderation-api/delete-message-moderator.json")
        .await
        .expect("invoked");
    assert_eq!(after["statusCode"], 200, "{after}");
    let logs = lambda.output().text();
    assert_eq!(
        logs.matches("configuration loaded").count(),
        1,
        "one cold start only: {logs}"
    );
    lambda.stop().await;
}

#[tokio::test]
async fn room_provisioner_applies_the_bundled_spec_once_and_then_has_nothing_to_do() {
    // GIVEN an empty account
    let emulator = emulator().await;
    let lambda = LambdaUnderRie::start(
        "RoomProvisionerFunction",
        &[
            ("AWS_ENDPOINT_URL_IVSCHAT", emulator.url()),
            ("DEPLOYMENT_NAME", DEPLOYMENT),
        ],
    )
    .await
    .expect("provisioner starts");

    // WHEN the schedule fires
    let first = lambda
        .invoke_fixture("room-provisioner/scheduled.json")
        .await
        .expect("invoked");

    // THEN the spec's room exists, tagged as managed, and the report says so
    assert!(
        first["totals"]["applied"].as_u64().is_some_and(|n| n >= 1),
        "{first}"
    );
    assert_eq!(first["totals"]["failed"], 0, "{first}");
    let rooms = emulator.rooms();
    assert_eq!(rooms.len(), 1, "{rooms:?}");
    assert_eq!(rooms[0].name, "lobby");
    assert_eq!(
        rooms[0].tags.get(DEPLOYMENT_TAG).map(String::as_str),
        Some(DEPLOYMENT)
    );
    assert_eq!(
        rooms[0].tags.get(RESOURCE_KEY_TAG).map(String::as_str),
        Some("lobby")
    );

    // WHEN it fires again THEN the plan is empty
    let second = lambda
        .invoke_fixture("room-provisioner/scheduled.json")
        .await
        .expect("invoked");
    assert_eq!(second["steps"], json!([]), "{second}");
    assert_eq!(emulator.rooms().len(), 1);
    lambda.stop().await;
}

#[tokio::test]
async fn provision_api_returns_a_dry_run_plan_without_changing_anything() {
    let emulator = emulator().await;
    let lambda = LambdaUnderRie::start(
        "ProvisionApiFunction",
        &[
            ("AWS_ENDPOINT_URL_IVSCHAT", emulator.url()),
            ("DEPLOYMENT_NAME", DEPLOYMENT),
        ],
    )
    .await
    .expect("provision API starts");
    let response = lambda
        .invoke_fixture("room-provisioner/provision-dry-run.json")
        .await
        .expect("invoked");
    assert_eq!(response["statusCode"], 200, "{response}");
    let plan = body_of(&response);
    assert_eq!(plan["dry_run"], true, "{plan}");
    assert!(
        plan["steps"].as_array().is_some_and(|s| !s.is_empty()),
        "{plan}"
    );
    assert!(emulator.rooms().is_empty(), "a dry run creates nothing");
    let not_admin = lambda
        .invoke_fixture("room-provisioner/provision-not-admin.json")
        .await
        .expect("invoked");
    assert_eq!(not_admin["statusCode"], 403, "{not_admin}");
    lambda.stop().await;
}

#[tokio::test]
async fn stream_lifecycle_opens_and_announces_a_room_when_a_channel_goes_live() {
    // GIVEN no room for the channel yet
    let emulator = emulator().await;
    let lambda = LambdaUnderRie::start(
        "StreamLifecycleFunction",
        &[
            ("AWS_ENDPOINT_URL_IVSCHAT", emulator.url()),
            ("DEPLOYMENT_NAME", DEPLOYMENT),
            ("AWS_ACCOUNT_ID", ACCOUNT),
        ],
    )
    .await
    .expect("stream lifecycle starts");

    // WHEN EventBridge delivers Stream Start, twice (at-least-once delivery)
    lambda
        .invoke_fixture("stream-lifecycle/stream-start.json")
        .await
        .expect("invoked");
    lambda
        .invoke_fixture("stream-lifecycle/stream-start.json")
        .await
        .expect("invoked");

    // THEN one managed room follows the channel, and the start was announced once
    let rooms = emulator.rooms();
    assert_eq!(rooms.len(), 1, "{rooms:?}");
    assert_eq!(
        rooms[0].tags.get(CHANNEL_TAG).map(String::as_str),
        Some("arn:aws:ivs:us-east-1:123456789012:channel/AbCdEf123456")
    );
    let announcements: Vec<_> = emulator
        .journal()
        .into_iter()
        .filter(|e| e.action == JournalAction::SendEvent)
        .collect();
    assert_eq!(announcements.len(), 1, "{announcements:?}");
    lambda.stop().await;
}

#[tokio::test]
async fn tag_manager_enforces_the_policy_on_every_room() {
    // GIVEN a hand-made room missing the required cost-center tag and carrying a forbidden one
    let emulator = emulator().await;
    emulator
        .create_room_with_id(
            "HandMade0001",
            "legacy",
            BTreeMap::from([
                ("temp".to_string(), "x".to_string()),
                ("owner".to_string(), "ops".to_string()),
            ]),
        )
        .expect("seeded");
    let policy = path_in_repo("examples/tag-policy.toml");
    let lambda = LambdaUnderRie::start(
        "TagManagerFunction",
        &[
            ("AWS_ENDPOINT_URL_IVSCHAT", emulator.url()),
            ("TAG_POLICY_PATH", &policy),
        ],
    )
    .await
    .expect("tag manager starts");

    // WHEN a dry run fires THEN nothing changes
    let dry = lambda
        .invoke_fixture("tag-manager/scheduled-dry-run.json")
        .await
        .expect("invoked");
    assert_eq!(dry["dry_run"], true, "{dry}");
    assert!(emulator.rooms()[0].tags.contains_key("temp"));

    // WHEN the schedule fires THEN the default is added and the forbidden key removed
    let report = lambda
        .invoke_fixture("tag-manager/scheduled.json")
        .await
        .expect("invoked");
    let tags = &emulator.rooms()[0].tags;
    assert_eq!(
        tags.get("cost-center").map(String::as_str),
        Some("live-video"),
        "{report}"
    );
    assert!(!tags.contains_key("temp"), "{report}");
    assert_eq!(tags.get("owner").map(String::as_str), Some("ops"));
    lambda.stop().await;
}

#[tokio::test]
async fn tag_manager_api_tags_one_resource_for_an_admin() {
    let emulator = emulator().await;
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("events/tag-manager/tags-request.json"))
            .expect("fixture"),
    )
    .expect("JSON");
    let request: Value =
        serde_json::from_str(fixture["body"].as_str().expect("body")).expect("JSON body");
    let arn = request["resourceArn"].as_str().expect("resourceArn");
    let id = arn.rsplit('/').next().expect("id");
    emulator
        .create_room_with_id(id, "target", BTreeMap::new())
        .expect("seeded");
    let lambda = LambdaUnderRie::start(
        "TagManagerApiFunction",
        &[("AWS_ENDPOINT_URL_IVSCHAT", emulator.url())],
    )
    .await
    .expect("tag manager API starts");
    let response = lambda.invoke(&fixture).await.expect("invoked");
    assert_eq!(response["statusCode"], 200, "{response}");
    let tags = &emulator.rooms()[0].tags;
    for (key, value) in request["tags"].as_object().expect("tags") {
        assert_eq!(
            tags.get(key).map(String::as_str),
            value.as_str(),
            "{response}"
        );
    }
    let not_admin = lambda
        .invoke_fixture("tag-manager/tags-request-not-admin.json")
        .await
        .expect("invoked");
    assert_eq!(not_admin["statusCode"], 403, "{not_admin}");
    lambda.stop().await;
}

/// Bytes the review handler writes to its log for one decision, under Lambda's JSON log format:
/// the decision line and the EMF records. The cost table of docs/deploy.md is computed from
/// them.
async fn log_bytes_per_decision(lambda: &LambdaUnderRie, fixture: &Value) -> usize {
    let before = lambda.output().text().len();
    let reply = lambda.invoke(fixture).await.expect("invoked");
    assert!(reply["ReviewResult"].is_string(), "{reply}");
    // The output is read as it comes: wait for this invocation's EMF record, then a little
    // more for the per-category ones.
    for _ in 0..100 {
        if lambda.output().text()[before..].contains("{\"_aws\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // The lines of this invocation: the decision line and the EMF records, not the RIE's own.
    let text = lambda.output().text();
    text[before..]
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| line.len() + 1)
        .sum()
}

#[tokio::test]
async fn review_handler_log_bytes_per_decision_stay_small() {
    // GIVEN the deployed (arm64) review handler logging as Lambda's JSON log format makes it
    let lambda = LambdaUnderRie::start(
        "ReviewHandlerFunction",
        &[("AWS_LAMBDA_LOG_FORMAT", "JSON"), ("RUST_LOG", "info")],
    )
    .await
    .expect("review handler starts");
    let clean: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("events/review/allow.json"))
            .expect("fixture"),
    )
    .expect("JSON");
    let mut flagged = clean.clone();
    flagged["Content"] = json!("you are an idiot");
    // (The runtime starts the function on the first invocation: its start-up lines are not a
    // decision's.)
    log_bytes_per_decision(&lambda, &clean).await;
    // WHEN a clean and a flagged message are reviewed
    let clean_bytes = log_bytes_per_decision(&lambda, &clean).await;
    let flagged_bytes = log_bytes_per_decision(&lambda, &flagged).await;
    eprintln!("log bytes per decision: clean {clean_bytes}, one category fired {flagged_bytes}");
    // THEN each writes a decision line and EMF records, and stays within the README's budget
    assert!(
        clean_bytes > 300,
        "the decision line and EMF record were written: {clean_bytes}"
    );
    assert!(flagged_bytes > clean_bytes, "a category adds an EMF record");
    assert!(
        clean_bytes <= 1_200 && flagged_bytes <= 1_200,
        "{clean_bytes} / {flagged_bytes}"
    );
    lambda.stop().await;
}
