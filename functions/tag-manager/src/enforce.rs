//! Enforcing a [`TagPolicy`] across every room and logging configuration: what must change
//! ([`evaluate`], pure), then changing it ([`enforce_policy`]) within the tag rate, with a report
//! of every change and every problem that could not be fixed. Only tags are ever touched, and
//! never the toolkit's own.

use std::collections::BTreeMap;

use ivschat_api::ids::ResourceArn;
use ivschat_api::managed::{self, ResourceKind, TagChanges, ValueChange};
use ivschat_api::{Attempted, DEFAULT_LIST_CAP, IvsChatError, PacedChatClient};
use serde::Serialize;

use crate::policy::TagPolicy;

/// A policy breach the tag manager cannot fix by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagFinding {
    /// The tag key.
    pub key: String,
    /// What is wrong.
    pub rule: String,
}

/// The changes that bring `tags` in line with `policy`, and the breaches it cannot fix.
pub fn evaluate(
    policy: &TagPolicy,
    tags: &BTreeMap<String, String>,
) -> (TagChanges, Vec<TagFinding>) {
    let mut changes = TagChanges::default();
    let mut findings = Vec::new();
    for (key, rule) in &policy.tags {
        match (tags.get(key), &rule.default) {
            (None, Some(default)) if rule.required => {
                changes.added.insert(key.clone(), default.clone());
            }
            (None, None) if rule.required => findings.push(TagFinding {
                key: key.clone(),
                rule: "required tag is missing and the policy gives no default".into(),
            }),
            (None, _) => {}
            (Some(value), default) => {
                if rule.allowed.is_empty() || rule.allowed.contains(value) {
                    continue;
                }
                match default {
                    Some(default) => {
                        changes.changed.insert(
                            key.clone(),
                            ValueChange {
                                from: value.clone(),
                                to: default.clone(),
                            },
                        );
                    }
                    None => findings.push(TagFinding {
                        key: key.clone(),
                        rule: format!(
                            "value `{value}` is not allowed (allowed: {}) and the policy gives no default",
                            rule.allowed.join(", ")
                        ),
                    }),
                }
            }
        }
    }
    for key in &policy.forbidden {
        if tags.contains_key(key) && !managed::is_reserved(key) {
            changes.removed.push(key.clone());
        }
    }
    (changes, findings)
}

/// What happened to one resource's tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EnforcementOutcome {
    /// Dry run: the changes would be made.
    Planned,
    /// The changes were made.
    Applied {
        /// Calls made, retries included.
        attempts: u32,
    },
    /// A change failed; the error is the last attempt's.
    Failed {
        /// Calls made, retries included.
        attempts: u32,
        /// The error's kind.
        error_kind: String,
        /// The error's message.
        error: String,
    },
    /// Nothing to change; only findings to report.
    ReportOnly,
}

/// One resource whose tags change or break the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceTagReport {
    /// Room or logging configuration.
    pub resource: ResourceKind,
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// The tag changes.
    pub changes: TagChanges,
    /// Breaches that could not be fixed.
    pub findings: Vec<TagFinding>,
    /// What happened.
    pub outcome: EnforcementOutcome,
}

/// Counts over a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct EnforcementTotals {
    /// Resources examined.
    pub resources_checked: usize,
    /// Resources whose tags changed (or would, in a dry run).
    pub resources_changed: usize,
    /// Tags added.
    pub tags_added: usize,
    /// Tag values replaced.
    pub tags_replaced: usize,
    /// Tags removed.
    pub tags_removed: usize,
    /// Breaches reported.
    pub findings: usize,
    /// Resources whose changes failed.
    pub failed: usize,
}

/// A run's report: every resource with changes or findings, and totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnforcementReport {
    /// True when nothing was changed on purpose.
    pub dry_run: bool,
    /// The resources concerned.
    pub resources: Vec<ResourceTagReport>,
    /// Counts.
    pub totals: EnforcementTotals,
}

struct Tagged {
    resource: ResourceKind,
    arn: ResourceArn,
    name: String,
    tags: BTreeMap<String, String>,
}

impl EnforcementOutcome {
    fn from_attempt(attempted: Attempted<()>) -> Self {
        match attempted.result {
            Ok(()) => Self::Applied {
                attempts: attempted.attempts,
            },
            Err(e) => Self::Failed {
                attempts: attempted.attempts,
                error_kind: e.kind().to_owned(),
                error: e.to_string(),
            },
        }
    }
}

/// Enforces `policy` on every room and logging configuration (all pages). In a dry run nothing
/// is changed. Fails only when the resources cannot be listed.
pub async fn enforce_policy(
    client: &PacedChatClient,
    policy: &TagPolicy,
    dry_run: bool,
) -> Result<EnforcementReport, IvsChatError> {
    let mut resources: Vec<Tagged> = client
        .list_all_logging_configurations(DEFAULT_LIST_CAP)
        .await?
        .into_iter()
        .map(|lc| Tagged {
            resource: ResourceKind::LoggingConfiguration,
            arn: lc.arn.into(),
            name: lc.name,
            tags: lc.tags,
        })
        .collect();
    resources.extend(
        client
            .list_all_rooms(DEFAULT_LIST_CAP)
            .await?
            .into_iter()
            .map(|room| Tagged {
                resource: ResourceKind::Room,
                arn: room.arn.into(),
                name: room.name,
                tags: room.tags,
            }),
    );
    let mut report = EnforcementReport {
        dry_run,
        resources: Vec::new(),
        totals: EnforcementTotals {
            resources_checked: resources.len(),
            ..EnforcementTotals::default()
        },
    };
    for item in resources {
        let (changes, findings) = evaluate(policy, &item.tags);
        if changes.is_empty() && findings.is_empty() {
            continue;
        }
        let outcome = if changes.is_empty() {
            EnforcementOutcome::ReportOnly
        } else if dry_run {
            EnforcementOutcome::Planned
        } else {
            EnforcementOutcome::from_attempt(client.apply_tag_changes(&item.arn, &changes).await)
        };
        let totals = &mut report.totals;
        if !changes.is_empty() {
            totals.resources_changed += 1;
            totals.tags_added += changes.added.len();
            totals.tags_replaced += changes.changed.len();
            totals.tags_removed += changes.removed.len();
        }
        totals.findings += findings.len();
        if let EnforcementOutcome::Failed { error, .. } = &outcome {
            totals.failed += 1;
            tracing::warn!(arn = %item.arn, error = %error, "tag changes failed");
        }
        report.resources.push(ResourceTagReport {
            resource: item.resource,
            arn: item.arn.to_string(),
            name: item.name,
            changes,
            findings,
            outcome,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> TagPolicy {
        TagPolicy::parse(
            r#"
forbidden = ["temp"]
[tags.cost-center]
default = "video"
allowed = ["video", "ads"]
[tags.owner]
[tags.env]
required = false
allowed = ["prod", "dev"]
"#,
        )
        .expect("valid")
    }

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn missing_required_tag_with_default_is_added_and_without_is_reported() {
        let (changes, findings) = evaluate(&policy(), &tags(&[]));
        assert_eq!(changes.added, tags(&[("cost-center", "video")]));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].key, "owner");
    }

    #[test]
    fn disallowed_value_is_replaced_by_the_default_or_reported() {
        let (changes, findings) = evaluate(
            &policy(),
            &tags(&[("cost-center", "misc"), ("owner", "a"), ("env", "qa")]),
        );
        assert_eq!(changes.changed["cost-center"].to, "video");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].key, "env");
        assert!(findings[0].rule.contains("`qa` is not allowed"));
    }

    #[test]
    fn forbidden_keys_are_removed_and_compliant_tags_left_alone() {
        let (changes, findings) = evaluate(
            &policy(),
            &tags(&[
                ("cost-center", "ads"),
                ("owner", "a"),
                ("temp", "x"),
                ("other", "y"),
            ]),
        );
        assert!(changes.added.is_empty() && changes.changed.is_empty());
        assert_eq!(changes.removed, ["temp"]);
        assert!(findings.is_empty());
    }
}
