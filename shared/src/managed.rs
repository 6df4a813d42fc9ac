//! The tags that mark a room or logging configuration as managed by a deployment of this
//! toolkit. The provisioner writes them; the token API and the sweeper read them; nothing ever
//! changes or deletes a resource that does not carry this deployment's tag.

use std::collections::BTreeMap;

/// Names the deployment (stack) that manages the resource.
pub const DEPLOYMENT_TAG: &str = "ivschat-toolkit:deployment";
/// The stable key of the resource in the rooms spec.
pub const RESOURCE_KEY_TAG: &str = "ivschat-toolkit:key";
/// The IVS channel ARN a stream-lifecycle room follows.
pub const CHANNEL_TAG: &str = "ivschat-toolkit:channel";

/// True when `tags` say the resource belongs to `deployment`.
pub fn is_managed_by(tags: &BTreeMap<String, String>, deployment: &str) -> bool {
    tags.get(DEPLOYMENT_TAG).is_some_and(|d| d == deployment)
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
}
