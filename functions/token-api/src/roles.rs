//! [`RoleCapabilities`]: which chat capabilities each role may hold.

use std::collections::{BTreeMap, BTreeSet};

use ivschat_api::Violation;
use ivschat_api::model::Capability;

/// The role → capabilities map. A caller with several roles gets the union of theirs; roles
/// not in the map grant nothing and do not count as recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleCapabilities {
    roles: BTreeMap<String, BTreeSet<Capability>>,
}

/// The capabilities granted to a caller, and the recognised roles that granted them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedCapabilities {
    /// The caller's roles that appear in the map, in name order.
    pub roles: Vec<String>,
    /// The union of their capabilities.
    pub capabilities: BTreeSet<Capability>,
}

impl Default for RoleCapabilities {
    /// viewer → none; chatter → SEND_MESSAGE; moderator → SEND_MESSAGE, DELETE_MESSAGE,
    /// DISCONNECT_USER.
    fn default() -> Self {
        use Capability::{DeleteMessage, DisconnectUser, SendMessage};
        Self {
            roles: BTreeMap::from([
                ("viewer".to_owned(), BTreeSet::new()),
                ("chatter".to_owned(), BTreeSet::from([SendMessage])),
                (
                    "moderator".to_owned(),
                    BTreeSet::from([SendMessage, DeleteMessage, DisconnectUser]),
                ),
            ]),
        }
    }
}

impl RoleCapabilities {
    /// Parses `role=CAP,CAP;role=;…` (e.g.
    /// `viewer=;chatter=SEND_MESSAGE;moderator=SEND_MESSAGE,DELETE_MESSAGE,DISCONNECT_USER`).
    /// `field` names the setting in errors. Fails on an empty map, a role without `=`, a
    /// repeated role or an unknown capability.
    pub fn parse(field: &str, text: &str) -> Result<Self, Violation> {
        let mut roles = BTreeMap::new();
        for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((role, capabilities)) = entry.split_once('=') else {
                return Err(Violation::new(
                    field,
                    format!("entry `{entry}` is not ROLE=CAPABILITY,CAPABILITY"),
                ));
            };
            let role = role.trim();
            if role.is_empty() {
                return Err(Violation::new(
                    field,
                    format!("entry `{entry}` has no role name"),
                ));
            }
            if !http_api::text::is_safe_role_name(role) {
                return Err(Violation::new(
                    field,
                    format!(
                        "role `{role}` must be 1 to {} of A-Z a-z 0-9 - _ .",
                        http_api::text::MAX_ROLE_NAME_CHARS
                    ),
                ));
            }
            let capabilities = capabilities
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(|c| {
                    Capability::parse(field, c).map_err(|v| {
                        Violation::new(field, format!("role `{role}`: `{c}` {}", v.rule))
                    })
                })
                .collect::<Result<BTreeSet<_>, _>>()?;
            if roles.insert(role.to_owned(), capabilities).is_some() {
                return Err(Violation::new(
                    field,
                    format!("role `{role}` is listed twice"),
                ));
            }
        }
        if roles.is_empty() {
            return Err(Violation::new(field, "must list at least one role"));
        }
        Ok(Self { roles })
    }

    /// What `caller_roles` together allow; `None` when none of them is in the map.
    pub fn grant<'a>(
        &self,
        caller_roles: impl IntoIterator<Item = &'a String>,
    ) -> Option<GrantedCapabilities> {
        let mut granted = GrantedCapabilities {
            roles: Vec::new(),
            capabilities: BTreeSet::new(),
        };
        for role in caller_roles {
            if let Some(capabilities) = self.roles.get(role) {
                granted.roles.push(role.clone());
                granted.capabilities.extend(capabilities.iter().copied());
            }
        }
        granted.roles.sort();
        (!granted.roles.is_empty()).then_some(granted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Capability::{DeleteMessage, DisconnectUser, SendMessage};

    fn roles(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn several_roles_get_the_union_of_their_capabilities() {
        // GIVEN a map where two roles each grant one capability
        let map = RoleCapabilities::parse(
            "ROLE_CAPABILITIES",
            "chatter=SEND_MESSAGE; cleaner=DELETE_MESSAGE",
        )
        .expect("valid");
        // WHEN a caller holds both (and an unknown role)
        let granted = map
            .grant(&roles(&["cleaner", "chatter", "vip"]))
            .expect("recognised");
        // THEN they get both capabilities, and only the known roles are named
        assert_eq!(
            granted.capabilities,
            BTreeSet::from([SendMessage, DeleteMessage])
        );
        assert_eq!(granted.roles, ["chatter", "cleaner"]);
    }

    #[test]
    fn default_map_matches_the_documented_roles() {
        let map = RoleCapabilities::default();
        assert!(
            map.grant(&roles(&["viewer"]))
                .expect("known")
                .capabilities
                .is_empty()
        );
        assert_eq!(
            map.grant(&roles(&["moderator"]))
                .expect("known")
                .capabilities,
            BTreeSet::from([SendMessage, DeleteMessage, DisconnectUser])
        );
        assert_eq!(
            RoleCapabilities::parse(
                "R",
                "viewer=;chatter=SEND_MESSAGE;moderator=SEND_MESSAGE,DELETE_MESSAGE,DISCONNECT_USER"
            ),
            Ok(map)
        );
    }

    #[test]
    fn unknown_roles_grant_nothing() {
        assert_eq!(RoleCapabilities::default().grant(&roles(&["admin"])), None);
        assert_eq!(RoleCapabilities::default().grant(&roles(&[])), None);
    }

    #[test]
    fn bad_maps_are_refused_with_the_rule() {
        let unknown = RoleCapabilities::parse("R", "mod=DELETE_EVERYTHING").expect_err("unknown");
        assert!(
            unknown.rule.contains("DELETE_EVERYTHING"),
            "{}",
            unknown.rule
        );
        assert!(RoleCapabilities::parse("R", "chatter").is_err());
        assert!(RoleCapabilities::parse("R", "a=;a=SEND_MESSAGE").is_err());
        assert!(RoleCapabilities::parse("R", " ; ").is_err());
        assert!(RoleCapabilities::parse("R", "tier one=SEND_MESSAGE").is_err());
    }
}
