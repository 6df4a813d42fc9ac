//! The state every request can touch, shared by the service API (`server`), the admin
//! endpoints (`admin`) and the embedding API (`emulator`).

use std::collections::BTreeMap;

use ivschat_api::validate;

use crate::clock::Clock;
use crate::error::{ApiError, check};
use crate::faults::FaultInjector;
use crate::hub::ChatHub;
use crate::model::Room;
use crate::pagination::PageTokenCodec;
use crate::persistence::StateFile;
use crate::review::ReviewRouter;
use crate::sigv4::AuthPolicy;
use crate::store::{NewRoom, StateStore};
use crate::tokens::ChatTokenSigner;

/// Everything a request can touch.
#[derive(Debug)]
pub struct Service {
    /// Rooms, logging configurations, journal.
    pub store: StateStore,
    /// Active faults.
    pub faults: FaultInjector,
    /// Chat token signer.
    pub tokens: ChatTokenSigner,
    /// nextToken codec.
    pub pages: PageTokenCodec,
    /// Authentication policy.
    pub auth: AuthPolicy,
    /// State file, when persisting.
    pub state_file: Option<StateFile>,
    /// The emulated clock.
    pub clock: Clock,
    /// Live chat connections.
    pub hub: ChatHub,
    /// Where message reviews go.
    pub reviews: ReviewRouter,
    /// Limits of the messaging endpoint.
    pub messaging: MessagingLimits,
}

/// Limits that protect the messaging endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessagingLimits {
    /// Most open WebSocket connections.
    pub max_connections: usize,
    /// Largest WebSocket frame (and message) accepted, in bytes.
    pub max_frame_bytes: usize,
    /// Whether rooms' maximumMessageRatePerSecond is enforced.
    pub enforce_message_rate: bool,
}

impl Service {
    /// Writes the state file, if any; a failure is logged, as the change itself succeeded.
    pub fn persist(&self) {
        if let Some(file) = &self.state_file
            && let Err(error) = file.save(&self.store)
        {
            tracing::error!(%error, "state file not updated");
        }
    }

    /// Creates a room with a chosen id (a fixture's), checking the id and the name and tags as
    /// CreateRoom would, and persists it.
    pub fn create_room_with_id(
        &self,
        id: &str,
        name: &str,
        tags: BTreeMap<String, String>,
    ) -> Result<Room, ApiError> {
        check(validate::message_id("id", id))?;
        check(validate::resource_name("name", name))?;
        check(validate::tags("tags", &tags))?;
        let room = self.store.create_room_with_id(
            id,
            NewRoom {
                name: name.to_owned(),
                maximum_message_rate_per_second: None,
                maximum_message_length: None,
                message_review_handler: None,
                tags,
                logging_configuration_identifiers: Vec::new(),
            },
        )?;
        self.persist();
        Ok(room)
    }
}
