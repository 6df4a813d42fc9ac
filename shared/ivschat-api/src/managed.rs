//! The toolkit's tag vocabulary: every tag key it writes, what each means, and how tag changes
//! on one resource are computed.
//!
//! Every key starts with [`RESERVED_PREFIX`]; specs, tag policies and the admin tag route refuse
//! such keys so that only the toolkit writes them. The provisioner and the stream lifecycle
//! write the managed-resource tags; the token and moderation APIs, the sweeper and the tag
//! manager read them; nothing ever changes or deletes a resource that does not carry this
//! deployment's tag.

use std::collections::BTreeMap;

use serde::Serialize;

/// The prefix of every tag key the toolkit reserves.
pub const RESERVED_PREFIX: &str = "ivschat-toolkit:";
/// Names the deployment (stack) that manages the resource.
pub const DEPLOYMENT_TAG: &str = "ivschat-toolkit:deployment";
/// The stable key of the resource in the rooms spec.
pub const RESOURCE_KEY_TAG: &str = "ivschat-toolkit:key";
/// The IVS channel ARN a stream-lifecycle room follows.
pub const CHANNEL_TAG: &str = "ivschat-toolkit:channel";
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

/// True when `tags` say the resource belongs to `deployment`.
pub fn is_managed_by(tags: &BTreeMap<String, String>, deployment: &str) -> bool {
    tags.get(DEPLOYMENT_TAG).is_some_and(|d| d == deployment)
}

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

/// Which kind of taggable resource something is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// A chat room.
    Room,
    /// A logging configuration.
    LoggingConfiguration,
}

/// A tag value that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueChange {
    /// The value now.
    pub from: String,
    /// The value after the change.
    pub to: String,
}

/// The tag changes on one resource.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TagChanges {
    /// Tags to add.
    pub added: BTreeMap<String, String>,
    /// Tags whose value changes.
    pub changed: BTreeMap<String, ValueChange>,
    /// Tag keys to remove.
    pub removed: Vec<String>,
}

impl TagChanges {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// The tags a TagResource call must set (added and changed).
    pub fn to_set(&self) -> BTreeMap<String, String> {
        let mut set = self.added.clone();
        set.extend(self.changed.iter().map(|(k, c)| (k.clone(), c.to.clone())));
        set
    }

    /// The changes that turn `current` into `desired`, removing only keys in `removable`
    /// (and never a reserved key).
    pub fn between(
        current: &BTreeMap<String, String>,
        desired: &BTreeMap<String, String>,
        removable: &[String],
    ) -> Self {
        let mut changes = Self::default();
        for (key, value) in desired {
            match current.get(key) {
                None => {
                    changes.added.insert(key.clone(), value.clone());
                }
                Some(now) if now != value => {
                    changes.changed.insert(
                        key.clone(),
                        ValueChange {
                            from: now.clone(),
                            to: value.clone(),
                        },
                    );
                }
                Some(_) => {}
            }
        }
        for key in removable {
            if !desired.contains_key(key)
                && current.contains_key(key)
                && !is_reserved(key)
                && !changes.removed.contains(key)
            {
                changes.removed.push(key.clone());
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_deployment_tag_counts_as_managed() {
        let tags = BTreeMap::from([(DEPLOYMENT_TAG.to_string(), "prod".to_string())]);
        assert!(is_managed_by(&tags, "prod"));
        assert!(!is_managed_by(&tags, "staging"));
        assert!(!is_managed_by(&BTreeMap::new(), "prod"));
    }

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
