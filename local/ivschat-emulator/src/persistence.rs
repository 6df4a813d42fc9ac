//! The optional state file: everything the emulator holds, as JSON, written atomically.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::model::{JournalEntry, LoggingConfiguration, Room};
use crate::store::{StateData, StateStore};

const FORMAT_VERSION: u32 = 1;

/// Why a state file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    /// Reading failed.
    #[error("cannot read state file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The contents are not a state file of this version.
    #[error("state file {path} is corrupt or not an ivschat-emulator state file: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Writing failed.
    #[error("cannot write state file {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The file's contents.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateSnapshot {
    /// Format version (1).
    pub format_version: u32,
    /// Hex key signing chat and pagination tokens, kept so tokens survive a restart.
    pub signing_key: String,
    /// Rooms.
    pub rooms: Vec<Room>,
    /// Logging configurations.
    pub logging_configurations: Vec<LoggingConfiguration>,
    /// Journal, oldest first.
    pub journal: Vec<JournalEntry>,
}

impl StateSnapshot {
    /// The snapshot of `data` with `signing_key`.
    pub fn of(data: StateData, signing_key: &[u8]) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            signing_key: hex::encode(signing_key),
            rooms: data.rooms.into_values().collect(),
            logging_configurations: data.logging_configurations.into_values().collect(),
            journal: data.journal,
        }
    }

    /// The store contents and signing key it holds.
    pub fn into_parts(self, path: &Path) -> Result<(StateData, Vec<u8>), StateFileError> {
        let signing_key = hex::decode(&self.signing_key).map_err(|e| StateFileError::Corrupt {
            path: path.to_owned(),
            reason: format!("signingKey: {e}"),
        })?;
        let data = StateData {
            rooms: self
                .rooms
                .into_iter()
                .map(|room| (room.id.clone(), room))
                .collect(),
            logging_configurations: self
                .logging_configurations
                .into_iter()
                .map(|config| (config.id.clone(), config))
                .collect(),
            journal: self.journal,
        };
        Ok((data, signing_key))
    }
}

/// Reads the state file at `path`; `Ok(None)` when it does not exist yet.
pub fn load(path: &Path) -> Result<Option<StateSnapshot>, StateFileError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StateFileError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let snapshot: StateSnapshot =
        serde_json::from_slice(&bytes).map_err(|e| StateFileError::Corrupt {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    if snapshot.format_version != FORMAT_VERSION {
        return Err(StateFileError::Corrupt {
            path: path.to_owned(),
            reason: format!(
                "formatVersion {} is not {FORMAT_VERSION}",
                snapshot.format_version
            ),
        });
    }
    Ok(Some(snapshot))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, synced, then
/// renamed over the target, so a crash leaves either the old or the new file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StateFileError> {
    let write_error = |source| StateFileError::Write {
        path: path.to_owned(),
        source,
    };
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".to_owned());
    let temp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let mut file = std::fs::File::create(&temp).map_err(write_error)?;
    file.write_all(bytes).map_err(write_error)?;
    file.sync_all().map_err(write_error)?;
    drop(file);
    std::fs::rename(&temp, path).map_err(write_error)
}

/// Keeps the state file in step with the store.
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    signing_key: Vec<u8>,
    // Held while taking the snapshot and writing it, so a newer snapshot is never overwritten
    // by an older one.
    write_lock: Mutex<()>,
}

impl StateFile {
    /// A state file at `path` that also stores `signing_key`.
    pub fn new(path: PathBuf, signing_key: &[u8]) -> Self {
        Self {
            path,
            signing_key: signing_key.to_vec(),
            write_lock: Mutex::new(()),
        }
    }

    /// Writes the store's current state.
    pub fn save(&self, store: &StateStore) -> Result<(), StateFileError> {
        let _writing = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let snapshot = StateSnapshot::of(store.snapshot(), &self.signing_key);
        let bytes = serde_json::to_vec_pretty(&snapshot).map_err(|e| StateFileError::Write {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        write_atomically(&self.path, &bytes)
    }
}
