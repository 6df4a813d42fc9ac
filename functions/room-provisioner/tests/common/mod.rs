//! Helpers for the tests that run against the local IVS Chat emulator.
#![allow(dead_code)]

use std::time::Duration;

use ivschat_api::{ChatClient, ClientSettings};
use ivschat_emulator::{Emulator, FaultKind, FaultRule, FaultTrigger, RunningEmulator};
use room_provisioner::spec::SpecDefaults;
use room_provisioner::{ControlPlaneRates, DesiredState, Pacer, RetryPolicy, RoomsSpec};

/// The review handler the deployment defaults to in these tests.
pub const HANDLER: &str = "arn:aws:lambda:us-east-1:123456789012:function:review";
/// The deployment under test.
pub const DEPLOYMENT: &str = "test-deployment";
/// Attempts per call in these tests.
pub const ATTEMPTS: u32 = 3;

/// An emulator on a free loopback port.
pub async fn emulator() -> RunningEmulator {
    Emulator::builder().start().await.expect("emulator starts")
}

/// A client for `emulator` whose SDK does not retry (the pacer does).
pub fn client(emulator: &RunningEmulator) -> ChatClient {
    ChatClient::for_endpoint(
        emulator.url(),
        "us-east-1",
        "test",
        "test",
        ClientSettings {
            max_attempts: 1,
            ..ClientSettings::default()
        },
    )
}

/// A pacer fast enough for tests: high rates, 1 ms backoff, [`ATTEMPTS`] attempts.
pub fn fast_pacer() -> Pacer {
    Pacer::new(
        ControlPlaneRates {
            rooms: 1000,
            logging_configurations: 1000,
            tags: 1000,
            messaging: 1000,
        },
        RetryPolicy {
            max_attempts: ATTEMPTS,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        },
    )
}

/// `text` parsed and resolved with [`HANDLER`] as the default handler.
pub fn desired(text: &str) -> DesiredState {
    RoomsSpec::parse(text)
        .and_then(|s| {
            s.resolve(&SpecDefaults {
                review_handler_uri: Some(HANDLER.into()),
            })
        })
        .expect("valid spec")
}

/// A fault on the next `count` calls of `operation`.
pub fn fault(operation: &str, kind: FaultKind, count: u32) -> FaultRule {
    FaultRule {
        operation: operation.into(),
        kind,
        trigger: FaultTrigger::NextCalls(count),
        probability: None,
    }
}
