//! The toolkit's own tag keys, beyond the managed-resource tags in [`ivschat_api::managed`].
//!
//! Every key starts with [`RESERVED_PREFIX`]; specs, tag policies and the admin tag route refuse
//! such keys so that only the toolkit writes them.

use std::collections::BTreeMap;

use ivschat_api::managed::{DEPLOYMENT_TAG, RESOURCE_KEY_TAG};

/// The prefix of every tag key the toolkit reserves.
pub const RESERVED_PREFIX: &str = "ivschat-toolkit:";
/// The space-separated keys of the tags the spec last declared on a resource. The provisioner
/// only ever removes tags listed here, so tags added by others (the tag manager, operators)
/// are left alone.
pub const SPEC_TAG_KEYS_TAG: &str = "ivschat-toolkit:spec-tag-keys";
/// The EventBridge `time` (RFC 3339) of the last stream event applied to a stream room.
pub const LAST_EVENT_TAG: &str = "ivschat-toolkit:last-event-at";
/// When the stream a room follows ended (RFC 3339); absent while the stream is live.
pub const STREAM_ENDED_TAG: &str = "ivschat-toolkit:stream-ended-at";
/// The tags the provisioner adds to every resource it manages.
pub const PROVISIONER_TAGS: [&str; 3] = [DEPLOYMENT_TAG, RESOURCE_KEY_TAG, SPEC_TAG_KEYS_TAG];

/// True when `key` is reserved for the toolkit.
pub fn is_reserved(key: &str) -> bool {
    key.starts_with(RESERVED_PREFIX)
}

/// The keys joined by single spaces, as recorded in [`SPEC_TAG_KEYS_TAG`].
pub fn join_keys<'a>(keys: impl IntoIterator<Item = &'a String>) -> String {
    keys.into_iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The keys recorded in a resource's [`SPEC_TAG_KEYS_TAG`] (none when the tag is absent).
pub fn recorded_spec_keys(tags: &BTreeMap<String, String>) -> Vec<String> {
    tags.get(SPEC_TAG_KEYS_TAG)
        .map(|v| v.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_keys_round_trip_through_the_tag_value() {
        // GIVEN spec tags WHEN their keys are recorded and read back THEN the keys are the same
        let tags = BTreeMap::from([
            ("owner".to_owned(), "a".to_owned()),
            ("team".to_owned(), "b".to_owned()),
        ]);
        let recorded = BTreeMap::from([(SPEC_TAG_KEYS_TAG.to_owned(), join_keys(tags.keys()))]);
        assert_eq!(recorded_spec_keys(&recorded), vec!["owner", "team"]);
        assert!(recorded_spec_keys(&BTreeMap::new()).is_empty());
    }

    #[test]
    fn only_toolkit_prefixed_keys_are_reserved() {
        assert!(is_reserved(LAST_EVENT_TAG));
        assert!(is_reserved(DEPLOYMENT_TAG));
        assert!(!is_reserved("owner"));
    }
}
