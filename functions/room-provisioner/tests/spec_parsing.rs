//! The rooms spec: what parses, and how every refusal names the entry, the field and the rule.

use ivschat_api::model::FallbackResult;
use room_provisioner::spec::{SpecDefaults, SpecViolation};
use room_provisioner::{RoomsSpec, SpecError};

const EXAMPLE: &str = include_str!("../../../examples/rooms.toml");
const HANDLER: &str = "arn:aws:lambda:eu-west-1:123456789012:function:review";

fn defaults() -> SpecDefaults {
    SpecDefaults {
        review_handler_uri: Some(HANDLER.to_owned()),
    }
}

fn violations(text: &str) -> Vec<SpecViolation> {
    match RoomsSpec::parse(text) {
        Ok(spec) => panic!("expected a refusal, got {spec:?}"),
        Err(error) => error.violations().into_iter().cloned().collect(),
    }
}

fn assert_single(text: &str, entry: &str, field: &str, rule_contains: &str) {
    let found = violations(text);
    assert!(
        found
            .iter()
            .any(|v| v.entry == entry && v.field == field && v.rule.contains(rule_contains)),
        "expected {entry}: {field}: …{rule_contains}…, got {found:?}"
    );
}

#[test]
fn example_spec_parses_and_resolves_every_kind_of_handler() {
    // GIVEN the example spec and a deployment review handler
    // WHEN it is parsed and resolved
    let desired = RoomsSpec::parse(EXAMPLE)
        .and_then(|spec| spec.resolve(&defaults()))
        .expect("the example is valid");
    // THEN defaults, explicit handlers and "no handler" all resolve as documented
    assert!(desired.prune);
    assert_eq!(desired.logging_configurations.len(), 3);
    let lobby = &desired.rooms["lobby"];
    assert_eq!(lobby.maximum_message_length, 300);
    let lobby_handler = lobby.message_review_handler.as_ref().expect("default");
    assert_eq!(lobby_handler.uri, HANDLER);
    assert_eq!(lobby_handler.fallback_result, FallbackResult::Allow);
    let vip = desired.rooms["vip"]
        .message_review_handler
        .as_ref()
        .expect("default");
    assert_eq!(
        (vip.uri.as_str(), vip.fallback_result),
        (HANDLER, FallbackResult::Deny)
    );
    assert!(
        desired.rooms["partner-qa"]
            .message_review_handler
            .as_ref()
            .expect("own")
            .uri
            .contains("partner-review")
    );
    assert_eq!(desired.rooms["staff"].message_review_handler, None);
    assert_eq!(desired.rooms["vip"].name, "vip", "name defaults to the key");
    assert_eq!(
        desired.rooms["partner-qa"].maximum_message_length, 500,
        "service default"
    );
}

#[test]
fn empty_spec_declares_nothing_and_does_not_prune() {
    let spec = RoomsSpec::parse("").expect("valid");
    assert!(!spec.prune && spec.rooms.is_empty() && spec.logging_configurations.is_empty());
}

#[test]
fn unknown_room_field_is_refused_naming_room_and_field() {
    assert_single(
        "[rooms.lobby]\ncolour = \"red\"\n",
        "rooms.lobby",
        "colour",
        "is not a known field",
    );
}

#[test]
fn unknown_top_level_field_is_refused_with_its_line() {
    let found = violations("prune = true\n\npruning = false\n");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].field, "pruning");
    assert_eq!(found[0].entry, "line 3");
}

#[test]
fn value_of_the_wrong_type_is_refused_naming_the_room() {
    let found = violations("[rooms.lobby]\nname = \"x\"\nmaximumMessageLength = \"long\"\n");
    assert_eq!(found[0].entry, "rooms.lobby");
    assert_eq!(found[0].field, "maximumMessageLength");
    assert!(found[0].rule.contains("expected i64"), "{found:?}");
}

#[test]
fn message_length_out_of_range_names_key_field_and_rule() {
    assert_single(
        "[rooms.lobby]\nmaximumMessageLength = 501\n",
        "rooms.lobby",
        "maximumMessageLength",
        "must be between 1 and 500",
    );
}

#[test]
fn message_rate_out_of_range_names_key_field_and_rule() {
    assert_single(
        "[rooms.lobby]\nmaximumMessageRatePerSecond = 0\n",
        "rooms.lobby",
        "maximumMessageRatePerSecond",
        "must be between 1 and 100",
    );
}

#[test]
fn room_name_with_spaces_is_refused() {
    assert_single(
        "[rooms.lobby]\nname = \"the lobby\"\n",
        "rooms.lobby",
        "name",
        "letters, digits",
    );
}

#[test]
fn key_outside_the_name_alphabet_is_refused() {
    assert_single(
        "[rooms.\"main lobby\"]\n",
        "rooms.main lobby",
        "key",
        "letters, digits",
    );
}

#[test]
fn handler_uri_that_is_not_a_lambda_arn_is_refused() {
    assert_single(
        "[rooms.lobby]\nmessageReviewHandler = { uri = \"my-function\" }\n",
        "rooms.lobby",
        "messageReviewHandler.uri",
        "Lambda function ARN",
    );
}

#[test]
fn unknown_fallback_result_is_refused() {
    let found =
        violations("[rooms.lobby]\nmessageReviewHandler = { fallbackResult = \"MAYBE\" }\n");
    assert_eq!(found[0].entry, "rooms.lobby");
    assert_eq!(found[0].field, "messageReviewHandler");
    assert!(found[0].rule.contains("MAYBE"), "{found:?}");
}

#[test]
fn reference_to_an_undeclared_logging_configuration_is_refused() {
    assert_single(
        "[rooms.lobby]\nloggingConfigurations = [\"archive\"]\n",
        "rooms.lobby",
        "loggingConfigurations",
        "`archive`, which is not a key",
    );
}

#[test]
fn a_logging_configuration_named_twice_by_a_room_is_refused() {
    let text = "[loggingConfigurations.a]\ndestination = { s3 = { bucketName = \"bucket-a\" } }\n\
                [rooms.lobby]\nloggingConfigurations = [\"a\", \"a\"]\n";
    assert_single(text, "rooms.lobby", "loggingConfigurations", "twice");
}

#[test]
fn a_room_takes_47_tags_and_not_48_since_3_are_the_toolkits() {
    let spec_with = |count: usize| {
        let tags: Vec<String> = (0..count).map(|i| format!("k{i} = \"v\"")).collect();
        format!("[rooms.lobby]\ntags = {{ {} }}\n", tags.join(", "))
    };
    RoomsSpec::parse(&spec_with(47)).expect("47 tags fit beside the toolkit's 3");
    assert_single(&spec_with(48), "rooms.lobby", "tags", "at most 47 tags");
}

#[test]
fn more_than_three_logging_configurations_per_room_are_refused() {
    let mut text = String::new();
    for key in ["a", "b", "c", "d"] {
        text.push_str(&format!(
            "[loggingConfigurations.{key}]\ndestination = {{ s3 = {{ bucketName = \"bucket-{key}\" }} }}\n"
        ));
    }
    text.push_str("[rooms.lobby]\nloggingConfigurations = [\"a\", \"b\", \"c\", \"d\"]\n");
    assert_single(&text, "rooms.lobby", "loggingConfigurations", "at most 3");
}

#[test]
fn reserved_toolkit_tag_keys_are_refused() {
    assert_single(
        "[rooms.lobby]\ntags = { \"ivschat-toolkit:deployment\" = \"other\" }\n",
        "rooms.lobby",
        "tags.ivschat-toolkit:deployment",
        "reserved for the toolkit",
    );
}

#[test]
fn destination_must_have_exactly_one_kind() {
    assert_single(
        "[loggingConfigurations.x]\ndestination = { s3 = { bucketName = \"abc\" }, firehose = { deliveryStreamName = \"f\" } }\n",
        "loggingConfigurations.x",
        "destination",
        "exactly one of",
    );
    assert_single(
        "[loggingConfigurations.x]\ndestination = {}\n",
        "loggingConfigurations.x",
        "destination",
        "exactly one of",
    );
}

#[test]
fn bucket_name_breaking_the_service_pattern_is_refused() {
    assert_single(
        "[loggingConfigurations.x]\ndestination = { s3 = { bucketName = \"Upper_Case\" } }\n",
        "loggingConfigurations.x",
        "destination.s3.bucketName",
        "lower-case",
    );
}

#[test]
fn missing_destination_is_refused_as_required() {
    assert_single(
        "[loggingConfigurations.x]\nname = \"x\"\n",
        "loggingConfigurations.x",
        "destination",
        "is required",
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let found = violations(
        "[rooms.a]\nmaximumMessageLength = 0\n[rooms.b]\nmaximumMessageRatePerSecond = 101\n",
    );
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn fallback_result_without_any_handler_uri_is_refused_at_resolution() {
    // GIVEN a room asking to fail closed, and no deployment handler
    let spec =
        RoomsSpec::parse("[rooms.lobby]\nmessageReviewHandler = { fallbackResult = \"DENY\" }\n")
            .expect("parses");
    // WHEN defaults are applied
    let error = spec.resolve(&SpecDefaults::default()).expect_err("no uri");
    // THEN the field and the fix are named
    let SpecError::Invalid(found) = error else {
        panic!("expected Invalid");
    };
    assert_eq!(found[0].field, "messageReviewHandler.fallbackResult");
    assert!(found[0].rule.contains("REVIEW_HANDLER_ARN"));
}

#[test]
fn error_text_reads_entry_field_rule() {
    let error =
        RoomsSpec::parse("[rooms.lobby]\nmaximumMessageLength = 501\n").expect_err("invalid");
    assert_eq!(
        error.to_string(),
        "rooms spec is invalid: rooms.lobby: maximumMessageLength: must be between 1 and 500"
    );
}
