//! Any UTF-8 message, reviewed with the built-in policy and with a policy that masks, must get a
//! reply within IVS limits, spans on char boundaries of the original, and no panic.

#![no_main]

use std::collections::BTreeMap;
use std::sync::LazyLock;

use ivschat_api::review::{ReviewRequest, ReviewSender};
use ivschat_moderation::{PolicySet, normalise};
use libfuzzer_sys::fuzz_target;

const MASKING_POLICY: &str = r#"
allow = ["scunthorpe", "shiitake*"]
[[terms]]
rule = "words"
category = "profanity"
severity = "medium"
patterns = ["*fuck*", "shit*", "ass", "crap", "bitch*"]
[profiles.default.actions]
default = "mask"
[profiles.default.links]
action = "mask"
"#;

static POLICIES: LazyLock<Vec<PolicySet>> = LazyLock::new(|| {
    [
        PolicySet::builtin(),
        PolicySet::from_toml_str(MASKING_POLICY, "masking"),
    ]
    .into_iter()
    .map(|policy| match policy {
        Ok(policy) => policy,
        Err(error) => panic!("fuzz policy must compile: {error}"),
    })
    .collect()
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let request = ReviewRequest {
        content: text.to_string(),
        message_id: "A1b2C3d4E5f6".into(),
        room_arn: "arn:aws:ivschat:us-east-1:123456789012:room/fuzz".into(),
        attributes: BTreeMap::new(),
        sender: ReviewSender {
            user_id: "fuzzer".into(),
            ip: String::new(),
            attributes: BTreeMap::new(),
        },
    };
    for policy in POLICIES.iter() {
        let review = policy.review(&request);
        assert!(
            review.response.check_limits().is_ok(),
            "{:?}",
            review.response
        );
        for hit in &review.decision.hits {
            assert!(
                text.get(hit.span.clone()).is_some(),
                "bad span {:?}",
                hit.span
            );
        }
    }
    let normalised = normalise(text);
    for start in 0..normalised.as_str().len() {
        let range = normalised.original_range(start, start + 1);
        assert!(text.get(range).is_some());
    }
});
