//! Reading what exists: every page of ListRooms and ListLoggingConfigurations (tags included),
//! each page within its category's rate, then the full settings of the rooms this deployment
//! manages by spec key.

use ivschat_api::managed::{CHANNEL_TAG, RESOURCE_KEY_TAG, is_managed_by};
use ivschat_api::model::{LoggingConfiguration, Room};
use ivschat_api::{DEFAULT_LIST_CAP, IvsChatError, PacedChatClient};

/// Most rooms or logging configurations read in one run before giving up.
pub const INVENTORY_CAP: usize = DEFAULT_LIST_CAP;

/// True when `tags` mark a resource the provisioner owns for `deployment`: this deployment's
/// tag and a spec key, and not a stream room (those belong to the stream lifecycle).
pub fn is_spec_managed(
    tags: &std::collections::BTreeMap<String, String>,
    deployment: &str,
) -> bool {
    is_managed_by(tags, deployment)
        && tags.contains_key(RESOURCE_KEY_TAG)
        && !tags.contains_key(CHANNEL_TAG)
}

/// What exists now, as far as the provisioner is concerned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurrentState {
    /// The rooms this deployment manages by spec key, with all their settings.
    pub rooms: Vec<Room>,
    /// The logging configurations this deployment manages by spec key.
    pub logging_configurations: Vec<LoggingConfiguration>,
    /// Rooms left alone (other deployments', stream rooms, hand-made ones).
    pub other_rooms: usize,
    /// Logging configurations left alone.
    pub other_logging_configurations: usize,
}

/// Reads the current state for `deployment`: lists everything, then GetRoom for each managed
/// room (ListRooms does not report message limits).
pub async fn read_current_state(
    client: &PacedChatClient,
    deployment: &str,
) -> Result<CurrentState, IvsChatError> {
    let logging = client
        .list_all_logging_configurations(INVENTORY_CAP)
        .await?;
    let summaries = client.list_all_rooms(INVENTORY_CAP).await?;
    let mut state = CurrentState::default();
    for lc in logging {
        if is_spec_managed(&lc.tags, deployment) {
            state.logging_configurations.push(lc);
        } else {
            state.other_logging_configurations += 1;
        }
    }
    for summary in summaries {
        if !is_spec_managed(&summary.tags, deployment) {
            state.other_rooms += 1;
            continue;
        }
        let fetched = client.get_room(&summary.arn).await.result;
        match fetched {
            Ok(room) => state.rooms.push(room),
            // Deleted between the list and the get: it no longer exists.
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(state)
}
