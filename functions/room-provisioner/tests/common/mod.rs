//! Helpers for the tests that run against the local IVS Chat emulator.
// Each test binary uses a different part of this module.
#![allow(dead_code, unused_imports)]

use ivschat_emulator::{Emulator, FaultKind, FaultRule, FaultTrigger, RunningEmulator};
use room_provisioner::spec::SpecDefaults;
use room_provisioner::{DesiredState, RoomsSpec};

/// The review handler the deployment defaults to in these tests.
pub const HANDLER: &str = "arn:aws:lambda:us-east-1:123456789012:function:review";
/// The deployment under test.
pub const DEPLOYMENT: &str = "test-deployment";

/// An emulator on a free loopback port.
pub async fn emulator() -> RunningEmulator {
    Emulator::builder().start().await.expect("emulator starts")
}

pub use toolkit_test_support::{PACED_ATTEMPTS as ATTEMPTS, client, paced_client};

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
