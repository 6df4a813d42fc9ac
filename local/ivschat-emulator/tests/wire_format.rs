//! The wire by hand, as the AWS CLI or any raw HTTP client sees it.

mod common;

use common::{FAKE_AUTHORIZATION, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post(url: &str, operation: &str, body: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{url}/{operation}"))
        .header("authorization", FAKE_AUTHORIZATION)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("request is answered")
}

fn error_type(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn deletes_answer_204_with_an_empty_body() {
    // GIVEN a room and a logging configuration created over raw HTTP
    let emulator = start().await;
    let room: Value = post(emulator.url(), "CreateRoom", "{}")
        .await
        .json()
        .await
        .expect("json");
    let logging: Value = post(
        emulator.url(),
        "CreateLoggingConfiguration",
        r#"{"destinationConfiguration":{"s3":{"bucketName":"raw-bucket"}}}"#,
    )
    .await
    .json()
    .await
    .expect("json");
    // WHEN both are deleted
    let room_deleted = post(
        emulator.url(),
        "DeleteRoom",
        &json!({ "identifier": room["arn"] }).to_string(),
    )
    .await;
    let logging_deleted = post(
        emulator.url(),
        "DeleteLoggingConfiguration",
        &json!({ "identifier": logging["arn"] }).to_string(),
    )
    .await;
    // THEN each answers 204 with no body
    for response in [room_deleted, logging_deleted] {
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert!(response.bytes().await.expect("body").is_empty());
    }
}

#[tokio::test]
async fn success_bodies_use_lower_camel_case_and_iso8601_strings() {
    // GIVEN a running emulator
    let emulator = start().await;
    // WHEN a room is created over raw HTTP
    let response = post(emulator.url(), "CreateRoom", r#"{"name":"raw"}"#).await;
    // THEN it is 200 JSON with the model's members and string timestamps
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .headers()
            .get("x-amzn-requestid")
            .is_some_and(|v| !v.is_empty())
    );
    let body: Value = response.json().await.expect("json");
    let create_time = body["createTime"].as_str().expect("createTime is a string");
    assert!(
        time::OffsetDateTime::parse(create_time, &time::format_description::well_known::Rfc3339)
            .is_ok(),
        "{create_time}"
    );
    assert_eq!(body["maximumMessageLength"], 500);
    assert_eq!(body["maximumMessageRatePerSecond"], 10);
    assert_eq!(body["tags"], json!({}));
    assert_eq!(body["loggingConfigurationIdentifiers"], json!([]));
}

#[tokio::test]
async fn only_the_first_field_violation_is_reported() {
    // GIVEN a running emulator
    let emulator = start().await;
    // WHEN CreateRoom breaks two field rules at once
    let response = post(
        emulator.url(),
        "CreateRoom",
        r#"{"maximumMessageLength":0,"maximumMessageRatePerSecond":0}"#,
    )
    .await;
    // THEN one violation is listed, as local/README.md says
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["reason"], "FIELD_VALIDATION_FAILED");
    assert_eq!(
        body["fieldList"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
}

#[tokio::test]
async fn validation_errors_carry_the_error_type_header_reason_and_field_list() {
    // GIVEN a running emulator
    let emulator = start().await;
    // WHEN CreateChatToken lacks userId and names an invalid capability
    let missing = post(
        emulator.url(),
        "CreateChatToken",
        r#"{"roomIdentifier":"arn:aws:ivschat:us-east-1:123456789012:room/AbCdEf123456"}"#,
    )
    .await;
    let bad_enum = post(
        emulator.url(),
        "CreateChatToken",
        r#"{"roomIdentifier":"arn:aws:ivschat:us-east-1:123456789012:room/AbCdEf123456","userId":"u","capabilities":["FLY"]}"#,
    )
    .await;
    // THEN both are 400 ValidationException with reason and fieldList members
    for (response, field) in [(missing, "userId"), (bad_enum, "capabilities")] {
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            error_type(&response).as_deref(),
            Some("ValidationException")
        );
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["reason"], "FIELD_VALIDATION_FAILED");
        assert_eq!(body["fieldList"][0]["name"], field);
        assert!(body["fieldList"][0]["message"].is_string());
        assert!(body["message"].is_string());
    }
}

#[tokio::test]
async fn malformed_json_and_wrong_member_types_are_validation_errors() {
    // GIVEN a running emulator
    let emulator = start().await;
    // WHEN the body is not JSON, or a member has the wrong type
    let malformed = post(emulator.url(), "CreateRoom", "{\"name\": ").await;
    let wrong_type = post(
        emulator.url(),
        "CreateRoom",
        r#"{"maximumMessageLength":"long"}"#,
    )
    .await;
    // THEN both are 400 ValidationExceptions and no room is created
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        error_type(&malformed).as_deref(),
        Some("ValidationException")
    );
    let body: Value = malformed.json().await.expect("json");
    assert_eq!(body["reason"], "OTHER");
    assert_eq!(wrong_type.status(), StatusCode::BAD_REQUEST);
    let body: Value = wrong_type.json().await.expect("json");
    assert_eq!(body["fieldList"][0]["name"], "maximumMessageLength");
    assert!(emulator.rooms().is_empty());
}

#[tokio::test]
async fn not_found_and_quota_bodies_carry_resource_members_and_limit() {
    // GIVEN an emulator with no room quota left
    let emulator = common::start_with(ivschat_emulator::Emulator::builder().room_quota(0)).await;
    // WHEN a missing room is fetched and a room is created
    let not_found = post(
        emulator.url(),
        "GetRoom",
        r#"{"identifier":"arn:aws:ivschat:us-east-1:123456789012:room/AbCdEf123456"}"#,
    )
    .await;
    let quota = post(emulator.url(), "CreateRoom", "{}").await;
    // THEN 404 names the room and 402 carries the limit
    assert_eq!(not_found.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        error_type(&not_found).as_deref(),
        Some("ResourceNotFoundException")
    );
    let body: Value = not_found.json().await.expect("json");
    assert_eq!(body["resourceId"], "AbCdEf123456");
    assert_eq!(body["resourceType"], "ROOM");
    assert_eq!(quota.status(), StatusCode::PAYMENT_REQUIRED);
    assert_eq!(
        error_type(&quota).as_deref(),
        Some("ServiceQuotaExceededException")
    );
    let body: Value = quota.json().await.expect("json");
    assert_eq!(body["limit"], 0);
    assert_eq!(body["resourceType"], "ROOM");
    assert!(body["resourceId"].is_string());
}

#[tokio::test]
async fn unknown_routes_and_methods_are_unknown_operations() {
    // GIVEN a running emulator
    let emulator = start().await;
    let http = reqwest::Client::new();
    // WHEN an unknown operation and a wrong method are requested
    let unknown = post(emulator.url(), "CreateChannel", "{}").await;
    let wrong_method = http
        .get(format!("{}/ListRooms", emulator.url()))
        .header("authorization", FAKE_AUTHORIZATION)
        .send()
        .await
        .expect("answered");
    // THEN both are ValidationException with reason UNKNOWN_OPERATION
    for response in [unknown, wrong_method] {
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            error_type(&response).as_deref(),
            Some("ValidationException")
        );
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["reason"], "UNKNOWN_OPERATION");
    }
}

#[tokio::test]
async fn unsigned_requests_are_refused_like_aws_refuses_them() {
    // GIVEN a running emulator
    let emulator = start().await;
    let http = reqwest::Client::new();
    // WHEN a request has no Authorization, or a non-SigV4 one
    let anonymous = http
        .post(format!("{}/ListRooms", emulator.url()))
        .body("{}")
        .send()
        .await
        .expect("answered");
    let basic = http
        .post(format!("{}/ListRooms", emulator.url()))
        .header("authorization", "Basic dGVzdDp0ZXN0")
        .body("{}")
        .send()
        .await
        .expect("answered");
    // THEN both are 403 with the AWS error types
    assert_eq!(anonymous.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        error_type(&anonymous).as_deref(),
        Some("MissingAuthenticationTokenException")
    );
    assert_eq!(basic.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        error_type(&basic).as_deref(),
        Some("IncompleteSignatureException")
    );
}

#[tokio::test]
async fn the_sdk_reports_a_missing_signature_as_an_unhandled_error_with_its_code() {
    // GIVEN an SDK client with no credentials provider, so it sends unsigned requests
    use aws_sdk_ivschat::error::ProvideErrorMetadata;
    let emulator = start().await;
    let config = aws_sdk_ivschat::Config::builder()
        .behavior_version(aws_sdk_ivschat::config::BehaviorVersion::latest())
        .http_client(ivschat_api::https_client())
        .region(aws_sdk_ivschat::config::Region::new("us-east-1"))
        .endpoint_url(emulator.url())
        .allow_no_auth()
        .build();
    let client = aws_sdk_ivschat::Client::from_conf(config);
    // WHEN it lists rooms
    let error = client.list_rooms().send().await;
    // THEN the error is unhandled but carries the AWS code
    let error = match error {
        Ok(output) => panic!("unsigned request succeeded: {output:?}"),
        Err(error) => error.into_service_error(),
    };
    assert!(
        !error.is_access_denied_exception()
            && !error.is_validation_exception()
            && !error.is_resource_not_found_exception(),
        "{error:?}"
    );
    assert_eq!(error.code(), Some("MissingAuthenticationTokenException"));
}

#[tokio::test]
async fn tag_routes_take_a_url_encoded_arn_and_repeated_tag_keys() {
    // GIVEN a tagged room
    let emulator = start().await;
    let http = reqwest::Client::new();
    let room: Value = post(
        emulator.url(),
        "CreateRoom",
        r#"{"tags":{"a":"1","b":"2","c":"3"}}"#,
    )
    .await
    .json()
    .await
    .expect("json");
    let arn = room["arn"].as_str().expect("arn");
    let encoded: String =
        percent_encoding::utf8_percent_encode(arn, percent_encoding::NON_ALPHANUMERIC).to_string();
    // WHEN two keys are removed with repeated tagKeys and the tags are listed
    let untag = http
        .delete(format!(
            "{}/tags/{encoded}?tagKeys=a&tagKeys=b",
            emulator.url()
        ))
        .header("authorization", FAKE_AUTHORIZATION)
        .send()
        .await
        .expect("answered");
    let listed = http
        .get(format!("{}/tags/{encoded}", emulator.url()))
        .header("authorization", FAKE_AUTHORIZATION)
        .send()
        .await
        .expect("answered");
    // THEN untag is 200 and only c remains
    assert_eq!(untag.status(), StatusCode::OK);
    let body: Value = listed.json().await.expect("json");
    assert_eq!(body, json!({ "tags": { "c": "3" } }));
}

#[tokio::test]
async fn untag_without_tag_keys_and_tag_with_a_malformed_arn_are_rejected() {
    // GIVEN a room
    let emulator = start().await;
    let http = reqwest::Client::new();
    let room: Value = post(emulator.url(), "CreateRoom", "{}")
        .await
        .json()
        .await
        .expect("json");
    let encoded: String = percent_encoding::utf8_percent_encode(
        room["arn"].as_str().expect("arn"),
        percent_encoding::NON_ALPHANUMERIC,
    )
    .to_string();
    // WHEN UntagResource has no tagKeys, and TagResource names a non-ivschat ARN
    let no_keys = http
        .delete(format!("{}/tags/{encoded}", emulator.url()))
        .header("authorization", FAKE_AUTHORIZATION)
        .send()
        .await
        .expect("answered");
    let bad_arn = http
        .post(format!(
            "{}/tags/arn%3Aaws%3As3%3A%3A%3Abucket",
            emulator.url()
        ))
        .header("authorization", FAKE_AUTHORIZATION)
        .body(r#"{"tags":{"a":"b"}}"#)
        .send()
        .await
        .expect("answered");
    // THEN both are ValidationExceptions naming the member
    let body: Value = no_keys.json().await.expect("json");
    assert_eq!(body["fieldList"][0]["name"], "tagKeys");
    let body: Value = bad_arn.json().await.expect("json");
    assert_eq!(body["fieldList"][0]["name"], "resourceArn");
}

#[tokio::test]
async fn admin_endpoints_expose_state_and_journal_and_reset_it() {
    // GIVEN a room with one SendEvent recorded
    let emulator = start().await;
    let http = reqwest::Client::new();
    let room: Value = post(emulator.url(), "CreateRoom", r#"{"name":"admin"}"#)
        .await
        .json()
        .await
        .expect("json");
    post(
        emulator.url(),
        "SendEvent",
        &json!({ "roomIdentifier": room["arn"], "eventName": "hello" }).to_string(),
    )
    .await;
    // WHEN state and journal are read without signing, then reset
    let state: Value = http
        .get(format!("{}/_emulator/state", emulator.url()))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let journal: Value = http
        .get(format!("{}/_emulator/journal", emulator.url()))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let reset = http
        .post(format!("{}/_emulator/reset", emulator.url()))
        .send()
        .await
        .expect("answered");
    // THEN they show the room and the event, and reset empties the emulator
    assert_eq!(state["rooms"][0]["name"], "admin");
    assert_eq!(state["accountId"], "123456789012");
    assert_eq!(journal["entries"][0]["action"], "SendEvent");
    assert_eq!(journal["entries"][0]["eventName"], "hello");
    assert_eq!(journal["entries"][0]["roomArn"], room["arn"]);
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert!(emulator.rooms().is_empty());
    assert!(emulator.journal().is_empty());
}

#[tokio::test]
async fn the_admin_endpoint_verifies_chat_tokens_for_out_of_process_callers() {
    // GIVEN a token issued over raw HTTP
    let emulator = start().await;
    let http = reqwest::Client::new();
    let room: Value = post(emulator.url(), "CreateRoom", "{}")
        .await
        .json()
        .await
        .expect("json");
    let issued: Value = post(
        emulator.url(),
        "CreateChatToken",
        &json!({ "roomIdentifier": room["arn"], "userId": "viewer", "capabilities": ["SEND_MESSAGE"] })
            .to_string(),
    )
    .await
    .json()
    .await
    .expect("json");
    // WHEN it and a forged token are sent to verify-token
    let good = http
        .post(format!("{}/_emulator/verify-token", emulator.url()))
        .json(&json!({ "token": issued["token"] }))
        .send()
        .await
        .expect("answered");
    let forged = http
        .post(format!("{}/_emulator/verify-token", emulator.url()))
        .json(&json!({ "token": "ivschat-emulator.v1.e30.AAAA" }))
        .send()
        .await
        .expect("answered");
    // THEN the real one yields its grant and the forged one is 401
    assert_eq!(good.status(), StatusCode::OK);
    let grant: Value = good.json().await.expect("json");
    assert_eq!(grant["userId"], "viewer");
    assert_eq!(grant["capabilities"], json!(["SEND_MESSAGE"]));
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
}
