//! `POST /rooms/{roomId}/tokens` driven with the `events/token-api/` fixtures against the local
//! IVS Chat emulator.

mod common;

use common::*;
use http::{HeaderValue, StatusCode, header};
use ivschat_emulator::{Capability, FaultKind, FaultRule, FaultTrigger};
use toolkit_state::{ActiveBan, BanLookup, BanLookupFuture};

fn fault(operation: &str, kind: FaultKind) -> FaultRule {
    FaultRule {
        operation: operation.to_owned(),
        kind,
        trigger: FaultTrigger::EveryCall,
        probability: None,
    }
}

fn minted_token(response: &lambda_http::Response<lambda_http::Body>) -> String {
    body_json(response)["token"]
        .as_str()
        .expect("token in body")
        .to_owned()
}

#[tokio::test]
async fn issues_chatter_token_with_identity_and_attributes_from_claims() {
    // GIVEN a managed room and a chatter's verified claims
    let emulator = start_emulator().await;
    let api = api(&emulator);
    // WHEN the chatter asks for a token with no body
    let response = call(&api, fixture("post-token-chatter")).await;
    // THEN a token is minted for the JWT's subject with only SEND_MESSAGE, and the attributes
    // are the server's
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        body_json(&response)
    );
    let body = body_json(&response);
    assert!(body["tokenExpirationTime"].is_string());
    assert!(body["sessionExpirationTime"].is_string());
    let verified = emulator
        .verify_chat_token(&minted_token(&response))
        .expect("the emulator issued it");
    assert_eq!(verified.room_arn, room_arn(MANAGED_ROOM));
    assert_eq!(verified.user_id, "5b6c7d8e-0001-4a2b-9c3d-chatter00001");
    assert_eq!(verified.capabilities, [Capability::SendMessage]);
    assert_eq!(verified.attributes["displayName"], "Chatty Cathy");
    assert_eq!(verified.attributes["role"], "chatter");
    let session = verified.session_expiration_time - verified.issued_at;
    assert_eq!(session.whole_minutes(), 60);
    // AND the allowed browser origin may read the answer, and nobody may cache it
    assert_eq!(
        response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://chat.example.com"
    );
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn issues_moderator_token_with_every_moderator_capability() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("post-token-moderator")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let verified = emulator
        .verify_chat_token(&minted_token(&response))
        .expect("valid");
    let mut capabilities = verified.capabilities.clone();
    capabilities.sort_by_key(|c| format!("{c:?}"));
    assert_eq!(
        capabilities,
        [
            Capability::DeleteMessage,
            Capability::DisconnectUser,
            Capability::SendMessage
        ]
    );
    assert_eq!(verified.attributes["role"], "moderator");
}

#[tokio::test]
async fn issues_viewer_token_without_capabilities_from_a_plain_roles_claim() {
    // GIVEN `cognito:groups` holding the single value `viewer` (no brackets)
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("post-token-viewer")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let verified = emulator
        .verify_chat_token(&minted_token(&response))
        .expect("valid");
    assert!(verified.capabilities.is_empty());
    assert_eq!(verified.attributes["role"], "viewer");
}

#[tokio::test]
async fn caller_with_several_roles_gets_the_union_of_their_capabilities() {
    // GIVEN a roles claim holding a JSON array ["viewer","chatter"]
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("post-token-multiple-roles")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let verified = emulator
        .verify_chat_token(&minted_token(&response))
        .expect("valid");
    assert_eq!(verified.capabilities, [Capability::SendMessage]);
    assert_eq!(verified.attributes["role"], "chatter,viewer");
}

#[tokio::test]
async fn moderator_may_narrow_capabilities_and_shorten_the_session() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("post-token-moderator-narrowed")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let verified = emulator
        .verify_chat_token(&minted_token(&response))
        .expect("valid");
    assert_eq!(verified.capabilities, [Capability::SendMessage]);
    let session = verified.session_expiration_time - verified.issued_at;
    assert_eq!(session.whole_minutes(), 15);
}

#[tokio::test]
async fn rejects_token_request_without_jwt_claims() {
    // GIVEN a request that did not pass the JWT authorizer (no claims in its context)
    // WHEN it asks for a token THEN it is unauthorized
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("post-token-no-claims")).await;
    assert_error(&response, 401, "Unauthorized", None);
}

#[tokio::test]
async fn refuses_caller_whose_roles_are_not_in_the_role_map() {
    let emulator = start_emulator().await;
    let api = api(&emulator);
    for name in ["post-token-unrecognised-role", "post-token-no-roles-claim"] {
        let response = call(&api, fixture(name)).await;
        assert_error(&response, 403, "RoleNotAllowed", None);
    }
}

#[tokio::test]
async fn rejects_role_forged_in_the_body() {
    // GIVEN a chatter whose body claims to be a moderator
    let emulator = start_emulator().await;
    // WHEN they ask for a token
    let response = call(&api(&emulator), fixture("post-token-forged-role")).await;
    // THEN the body field is refused by name
    assert_error(&response, 400, "InvalidInput", Some("role"));
}

#[tokio::test]
async fn rejects_user_id_and_attributes_forged_in_the_body() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("post-token-forged-identity")).await;
    // Fields are checked in name order: `attributes` comes before `userId`.
    assert_error(&response, 400, "InvalidInput", Some("attributes"));
}

#[tokio::test]
async fn refuses_capabilities_beyond_what_the_role_allows() {
    // GIVEN a chatter (SEND_MESSAGE only) WHEN the body also asks for the moderator capabilities
    // THEN nothing is minted and the field is named
    let emulator = start_emulator().await;
    let response = call(
        &api(&emulator),
        fixture("post-token-capabilities-beyond-role"),
    )
    .await;
    assert_error(&response, 403, "CapabilityNotAllowed", Some("capabilities"));
}

#[tokio::test]
async fn rejects_unknown_capability_naming_the_element() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("post-token-unknown-capability")).await;
    assert_error(&response, 400, "InvalidInput", Some("capabilities[1]"));
}

#[tokio::test]
async fn rejects_session_longer_than_the_configured_maximum() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("post-token-duration-too-long")).await;
    assert_error(
        &response,
        400,
        "InvalidInput",
        Some("sessionDurationInMinutes"),
    );
    assert_eq!(
        body_json(&response)["error"]["message"],
        "sessionDurationInMinutes: must be between 1 and 60"
    );
}

#[tokio::test]
async fn rejects_malformed_json_body() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("post-token-bad-json")).await;
    assert_error(&response, 400, "InvalidInput", Some("body"));
}

#[tokio::test]
async fn rejects_malformed_room_id() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("post-token-invalid-room-id")).await;
    assert_error(&response, 400, "InvalidInput", Some("roomId"));
}

#[tokio::test]
async fn answers_404_for_a_room_that_does_not_exist() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("post-token-unknown-room")).await;
    assert_error(&response, 404, "RoomNotFound", None);
}

#[tokio::test]
async fn refuses_token_for_a_room_no_deployment_manages() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("post-token-unmanaged-room")).await;
    assert_error(&response, 403, "RoomNotAllowed", None);
}

#[tokio::test]
async fn refuses_token_for_a_room_of_another_deployment() {
    // GIVEN a room in the same account tagged for the staging deployment
    // WHEN even a moderator asks for a token in it THEN this deployment refuses to serve it
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("post-token-other-deployment-room")).await;
    assert_error(&response, 403, "RoomNotAllowed", None);
}

#[tokio::test]
async fn answers_405_with_allow_header_for_other_methods() {
    let emulator = start_emulator().await;
    let response = call(&api(&emulator), fixture("get-token")).await;
    assert_error(&response, 405, "MethodNotAllowed", None);
    assert_eq!(response.headers()[header::ALLOW], "POST, OPTIONS");
}

#[tokio::test]
async fn answers_cors_preflight_for_an_allowed_origin_only() {
    let emulator = start_emulator().await;
    let api = api(&emulator);
    let response = call(&api, fixture("options-token-preflight")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://chat.example.com"
    );
    assert_eq!(
        response.headers()[header::ACCESS_CONTROL_ALLOW_METHODS],
        "POST, OPTIONS"
    );
    // Like every answer of the route, the preflight may not be cached
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let mut foreign = fixture("options-token-preflight");
    foreign.headers_mut().insert(
        header::ORIGIN,
        HeaderValue::from_static("https://evil.example"),
    );
    let refused = call(&api, foreign).await;
    assert_error(&refused, 403, "OriginNotAllowed", None);
    assert_eq!(refused.headers()[header::CACHE_CONTROL], "no-store");
    assert!(
        !refused
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );
}

#[tokio::test]
async fn answers_429_with_retry_after_when_ivs_throttles_token_creation() {
    // GIVEN IVS Chat throttling every CreateChatToken
    let emulator = start_emulator().await;
    emulator
        .set_fault(fault("CreateChatToken", FaultKind::Throttle))
        .expect("valid fault");
    // WHEN a chatter asks for a token
    let response = call(&api(&emulator), fixture("post-token-chatter")).await;
    // THEN they are told to come back later
    assert_error(&response, 429, "Throttled", None);
    assert_eq!(response.headers()[header::RETRY_AFTER], "1");
}

#[tokio::test]
async fn answers_429_when_the_room_lookup_is_throttled() {
    let emulator = start_emulator().await;
    emulator
        .set_fault(fault("GetRoom", FaultKind::Throttle))
        .expect("valid fault");
    let response = call(&api(&emulator), fixture("post-token-chatter")).await;
    assert_error(&response, 429, "Throttled", None);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn answers_502_without_detail_when_ivs_fails() {
    // GIVEN IVS Chat failing every CreateChatToken with an internal error
    // WHEN a token is asked for THEN the caller gets 502 and a fixed message, nothing upstream
    let emulator = start_emulator().await;
    emulator
        .set_fault(fault("CreateChatToken", FaultKind::InternalError))
        .expect("valid fault");
    let response = call(&api(&emulator), fixture("post-token-chatter")).await;
    assert_error(&response, 502, "UpstreamFailure", None);
    assert_eq!(
        body_json(&response),
        serde_json::json!({"error": {"code": "UpstreamFailure",
            "message": "the chat service could not complete the request"}})
    );
}

#[tokio::test]
async fn reuses_the_room_lookup_while_it_is_fresh() {
    // GIVEN one successful token request (which looked the room up)
    let emulator = start_emulator().await;
    let api = api(&emulator);
    assert_eq!(
        call(&api, fixture("post-token-chatter")).await.status(),
        StatusCode::OK
    );
    // WHEN GetRoom starts failing
    emulator
        .set_fault(fault("GetRoom", FaultKind::InternalError))
        .expect("valid fault");
    // THEN the next request within the TTL still succeeds from the cache
    assert_eq!(
        call(&api, fixture("post-token-moderator")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_failed_room_lookup_is_not_cached() {
    // GIVEN GetRoom throttled, so a token request fails
    let emulator = start_emulator().await;
    let api = api(&emulator);
    emulator
        .set_fault(fault("GetRoom", FaultKind::Throttle))
        .expect("valid fault");
    let refused = call(&api, fixture("post-token-chatter")).await;
    assert_error(&refused, 429, "Throttled", None);
    // WHEN GetRoom recovers
    emulator.clear_faults();
    // THEN the next request looks the room up again and gets its token
    assert_eq!(
        call(&api, fixture("post-token-chatter")).await.status(),
        StatusCode::OK
    );
}

/// `fixture` with its body replaced by `body`.
fn with_body(name: &str, body: &str) -> lambda_http::Request {
    let mut request = fixture(name);
    *request.body_mut() = lambda_http::Body::from(body.to_owned());
    request
}

#[tokio::test]
async fn checks_run_in_the_documented_order() {
    let emulator = start_emulator().await;
    let api = api(&emulator);
    // GIVEN a caller without a recognised role who also sends malformed JSON
    // THEN the body is refused first (400), before the roles are checked
    let response = call(&api, with_body("post-token-unrecognised-role", "{")).await;
    assert_error(&response, 400, "InvalidInput", Some("body"));
    // AND with a valid body the roles are refused (403)
    let response = call(&api, with_body("post-token-unrecognised-role", "{}")).await;
    assert_error(&response, 403, "RoleNotAllowed", None);
    // GIVEN a chatter sending malformed JSON for a room that does not exist
    // THEN the body is refused (400) before the room is looked up
    let response = call(&api, with_body("post-token-unknown-room", "{")).await;
    assert_error(&response, 400, "InvalidInput", Some("body"));
    // GIVEN a chatter asking for a capability beyond the role, for a room that does not exist
    // THEN the capabilities are refused (403) before the room is looked up
    let response = call(
        &api,
        with_body(
            "post-token-unknown-room",
            r#"{"capabilities":["DELETE_MESSAGE"]}"#,
        ),
    )
    .await;
    assert_error(&response, 403, "CapabilityNotAllowed", Some("capabilities"));
    // AND with a valid body the room is looked up and found missing (404)
    let response = call(&api, fixture("post-token-unknown-room")).await;
    assert_error(&response, 404, "RoomNotFound", None);
}

struct BannedUser(&'static str);

impl BanLookup for BannedUser {
    fn current_ban<'a>(&'a self, _room_id: &'a str, user_id: &'a str) -> BanLookupFuture<'a> {
        let notice = ActiveBan {
            until: None,
            everywhere: false,
        };
        Box::pin(std::future::ready(
            Ok((user_id == self.0).then_some(notice)),
        ))
    }
}

#[tokio::test]
async fn refuses_a_banned_user_before_minting() {
    let emulator = start_emulator().await;
    let api = token_api::TokenApi::new(config(), client(&emulator))
        .with_ban_list(BannedUser("5b6c7d8e-0001-4a2b-9c3d-chatter00001"));
    let banned = call(&api, fixture("post-token-chatter")).await;
    assert_error(&banned, 403, "UserNotAllowed", None);
    let other = call(&api, fixture("post-token-moderator")).await;
    assert_eq!(other.status(), StatusCode::OK);
}

#[tokio::test]
async fn answers_404_for_paths_it_does_not_serve() {
    let emulator = start_emulator().await;
    let mut request = fixture("post-token-chatter");
    *request.uri_mut() = "https://chat-api.example.com/rooms/ManagedRoom1/secrets"
        .parse()
        .expect("uri");
    let response = call(&api(&emulator), request).await;
    assert_error(&response, 404, "NotFound", None);
}
