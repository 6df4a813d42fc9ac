//! The tag policy: required tags (with optional defaults and allowed values) and forbidden tag
//! keys, in TOML. Parsing is strict and every problem names the entry, field and rule.

use std::collections::BTreeMap;
use std::fmt;

use ivschat_api::managed;
use ivschat_api::validate;
use serde::Deserialize;

/// A parsed, checked tag policy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagPolicy {
    /// Tag keys removed wherever they are found.
    #[serde(default)]
    pub forbidden: Vec<String>,
    /// Rules per tag key.
    #[serde(default)]
    pub tags: BTreeMap<String, TagRule>,
}

/// What the policy says about one tag key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRule {
    /// Every resource must carry the tag (default true).
    #[serde(default = "yes")]
    pub required: bool,
    /// Added where the tag is missing, and replaces a value that is not allowed.
    pub default: Option<String>,
    /// The only values allowed; empty means any value.
    #[serde(default)]
    pub allowed: Vec<String>,
}

fn yes() -> bool {
    true
}

/// One problem in a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyViolation {
    /// `tags.KEY`, `forbidden`, or `line N` for malformed TOML.
    pub entry: String,
    /// The field (`default`, `allowed`, `key`, …).
    pub field: String,
    /// The rule broken.
    pub rule: String,
}

impl fmt::Display for PolicyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.entry, self.field, self.rule)
    }
}

/// Why a tag policy was refused; carries every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tag policy is invalid: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct PolicyError(pub Vec<PolicyViolation>);

fn violation(entry: &str, field: &str, rule: impl Into<String>) -> PolicyViolation {
    PolicyViolation {
        entry: entry.to_owned(),
        field: field.to_owned(),
        rule: rule.into(),
    }
}

/// Problems with `key` as a tag key the policy may manage.
fn check_key(entry: &str, key: &str, found: &mut Vec<PolicyViolation>) {
    if key.is_empty() || key.chars().count() > validate::MAX_TAG_KEY_LENGTH {
        found.push(violation(
            entry,
            "key",
            format!(
                "tag keys must be 1 to {} characters",
                validate::MAX_TAG_KEY_LENGTH
            ),
        ));
    } else if managed::is_reserved(key) {
        found.push(violation(
            entry,
            "key",
            format!(
                "tag keys starting with `{}` are reserved for the toolkit",
                managed::RESERVED_PREFIX
            ),
        ));
    } else if key.starts_with("aws:") {
        found.push(violation(
            entry,
            "key",
            "tag keys starting with `aws:` are reserved by AWS",
        ));
    }
}

fn check_value(entry: &str, field: &str, value: &str, found: &mut Vec<PolicyViolation>) {
    if value.chars().count() > validate::MAX_TAG_VALUE_LENGTH {
        found.push(violation(
            entry,
            field,
            format!(
                "tag values must be at most {} characters",
                validate::MAX_TAG_VALUE_LENGTH
            ),
        ));
    }
}

impl TagPolicy {
    /// Parses and checks a policy.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let policy: Self = toml::from_str(text).map_err(|e| {
            let entry = e
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}")
                })
                .unwrap_or_else(|| "policy".to_owned());
            PolicyError(vec![violation(&entry, "toml", e.message().trim())])
        })?;
        let found = policy.violations();
        if found.is_empty() {
            Ok(policy)
        } else {
            Err(PolicyError(found))
        }
    }

    /// Every rule the policy breaks.
    pub fn violations(&self) -> Vec<PolicyViolation> {
        let mut found = Vec::new();
        for key in &self.forbidden {
            let entry = format!("forbidden.{key}");
            check_key(&entry, key, &mut found);
            if self.tags.contains_key(key) {
                found.push(violation(
                    &entry,
                    "key",
                    "is both forbidden and given a rule under [tags]",
                ));
            }
        }
        for (key, rule) in &self.tags {
            let entry = format!("tags.{key}");
            check_key(&entry, key, &mut found);
            if let Some(default) = &rule.default {
                check_value(&entry, "default", default, &mut found);
                if !rule.allowed.is_empty() && !rule.allowed.contains(default) {
                    found.push(violation(
                        &entry,
                        "default",
                        format!("`{default}` must be one of the allowed values"),
                    ));
                }
            }
            for value in &rule.allowed {
                check_value(&entry, "allowed", value, &mut found);
            }
            if !rule.required && rule.default.is_some() && rule.allowed.is_empty() {
                found.push(violation(
                    &entry,
                    "default",
                    "has no effect: the tag is optional and any value is allowed",
                ));
            }
        }
        found
    }

    /// True when the policy forbids `key`.
    pub fn forbids(&self, key: &str) -> bool {
        self.forbidden.iter().any(|k| k == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<PolicyViolation> {
        TagPolicy::parse(text).expect_err("invalid").0
    }

    #[test]
    fn example_policy_parses_with_required_defaulting_to_true() {
        let policy = TagPolicy::parse(include_str!("../../../examples/tag-policy.toml"))
            .expect("the example is valid");
        assert!(policy.tags.values().any(|r| r.required));
        assert!(!policy.forbidden.is_empty());
    }

    #[test]
    fn default_outside_the_allowed_values_is_refused() {
        let found = problems("[tags.env]\ndefault = \"qa\"\nallowed = [\"prod\", \"dev\"]\n");
        assert_eq!(
            (found[0].entry.as_str(), found[0].field.as_str()),
            ("tags.env", "default")
        );
        assert!(found[0].rule.contains("allowed"));
    }

    #[test]
    fn reserved_keys_are_refused_in_rules_and_forbidden_lists() {
        let found = problems(
            "forbidden = [\"ivschat-toolkit:key\"]\n[tags.\"ivschat-toolkit:deployment\"]\n",
        );
        assert_eq!(found.len(), 2);
        assert!(
            found
                .iter()
                .all(|v| v.rule.contains("reserved for the toolkit"))
        );
    }

    #[test]
    fn a_key_both_forbidden_and_ruled_is_refused() {
        let found = problems("forbidden = [\"owner\"]\n[tags.owner]\n");
        assert_eq!(found[0].entry, "forbidden.owner");
    }

    #[test]
    fn unknown_fields_are_refused_with_their_line() {
        let found = problems("[tags.owner]\nrequird = true\n");
        assert_eq!(found[0].entry, "line 2");
        assert!(
            found[0].rule.contains("unknown field `requird`"),
            "{found:?}"
        );
    }
}
