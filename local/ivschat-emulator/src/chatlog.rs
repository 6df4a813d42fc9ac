//! Chat logging (docs/ivs-chat.md §2.4, "Chat logging records"): what a room delivers, written
//! as IVS Chat's log records, one JSON line each, for every ACTIVE logging configuration the
//! room has attached. Each destination is a directory under `--log-dir`:
//! `s3/<bucketName>/`, `cloudwatch-logs/<logGroupName>/` or `firehose/<deliveryStreamName>/`,
//! with one `room_<roomId>.jsonl` file per room.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use time::OffsetDateTime;

use crate::arn::id_of;
use crate::model::Destination;
use crate::wire;

/// The record format's version the emulator writes.
pub const LOG_RECORD_VERSION: &str = "1.0";

/// Whether a record holds a MESSAGE or an EVENT payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    /// A MESSAGE frame.
    Message,
    /// An EVENT frame.
    Event,
}

/// Writes chat log records under one directory, keeping the files open.
#[derive(Debug, Default)]
pub struct ChatLog {
    dir: Option<PathBuf>,
    files: Mutex<HashMap<PathBuf, File>>,
}

/// A destination name made safe as one path component (log group names may hold `/`, `#` and
/// dots).
fn component(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.starts_with('.') {
        format!("_{safe}")
    } else {
        safe
    }
}

fn destination_dir(root: &Path, destination: &Destination) -> PathBuf {
    match destination {
        Destination::S3 { bucket_name } => root.join("s3").join(component(bucket_name)),
        Destination::CloudWatchLogs { log_group_name } => {
            root.join("cloudwatch-logs").join(component(log_group_name))
        }
        Destination::Firehose {
            delivery_stream_name,
        } => root.join("firehose").join(component(delivery_stream_name)),
    }
}

impl ChatLog {
    /// A log writing under `dir`, or writing nothing when `None`.
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self {
            dir,
            files: Mutex::new(HashMap::new()),
        }
    }

    /// Whether records are written at all.
    pub fn enabled(&self) -> bool {
        self.dir.is_some()
    }

    /// The file a room's records for `destination` go to.
    pub fn path(&self, destination: &Destination, room_arn: &str) -> Option<PathBuf> {
        let root = self.dir.as_deref()?;
        Some(destination_dir(root, destination).join(format!("room_{}.jsonl", id_of(room_arn))))
    }

    /// Appends one record holding `payload` (a frame's JSON) to each destination. A write
    /// failure is logged and does not stop delivery.
    pub fn append(
        &self,
        destinations: &[Destination],
        room_arn: &str,
        kind: RecordType,
        received: OffsetDateTime,
        payload: &str,
    ) {
        if destinations.is_empty() {
            return;
        }
        let kind = match kind {
            RecordType::Message => "MESSAGE",
            RecordType::Event => "EVENT",
        };
        let line = format!(
            "{{\"event_timestamp\":\"{}\",\"type\":\"{kind}\",\"version\":\"{LOG_RECORD_VERSION}\",\"payload\":{payload}}}\n",
            wire::timestamp(received)
        );
        let mut files = self
            .files
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for destination in destinations {
            let Some(path) = self.path(destination, room_arn) else {
                return;
            };
            if let Err(error) = Self::write(&mut files, &path, &line) {
                tracing::error!(path = %path.display(), %error, "chat log record not written");
            }
        }
    }

    fn write(files: &mut HashMap<PathBuf, File>, path: &Path, line: &str) -> std::io::Result<()> {
        if !files.contains_key(path) {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let file = OpenOptions::new().create(true).append(true).open(path)?;
            files.insert(path.to_path_buf(), file);
        }
        match files.get_mut(path) {
            Some(file) => file.write_all(line.as_bytes()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_destination_names_inside_the_log_directory() {
        // GIVEN a log group name with slashes and a leading dot
        let log = ChatLog::new(Some(PathBuf::from("/logs")));
        let destination = Destination::CloudWatchLogs {
            log_group_name: "../chat/#live".into(),
        };
        // WHEN its file is named
        let path = log.path(
            &destination,
            "arn:aws:ivschat:us-east-1:123456789012:room/abcDEF123456",
        );
        // THEN it is one directory under cloudwatch-logs, per room
        assert_eq!(
            path,
            Some(PathBuf::from(
                "/logs/cloudwatch-logs/_.._chat__live/room_abcDEF123456.jsonl"
            ))
        );
    }
}
