//! Resource identity: 12-character ids and the ARNs built from them.

use rand::Rng;
use rand::distr::Alphanumeric;

/// Which kind of resource an ARN names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// `…:room/ID`
    Room,
    /// `…:logging-configuration/ID`
    LoggingConfiguration,
}

impl ResourceKind {
    fn arn_segment(self) -> &'static str {
        match self {
            Self::Room => "room",
            Self::LoggingConfiguration => "logging-configuration",
        }
    }
}

/// A parsed `arn:aws:ivschat:REGION:ACCOUNT:TYPE/ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceArn {
    /// Room or logging configuration.
    pub kind: ResourceKind,
    /// The id after the slash.
    pub id: String,
}

impl ResourceArn {
    /// Parses an ivschat ARN of a room or logging configuration; `None` for any other string.
    pub fn parse(arn: &str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(_partition), Some("ivschat"), Some(_region), Some(_account)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let (segment, id) = parts.next()?.split_once('/')?;
        let kind = match segment {
            "room" => ResourceKind::Room,
            "logging-configuration" => ResourceKind::LoggingConfiguration,
            _ => return None,
        };
        Some(Self {
            kind,
            id: id.to_owned(),
        })
    }
}

/// The Region and account the emulator pretends to be, which every ARN carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceIdentity {
    /// AWS Region, e.g. `us-east-1`.
    pub region: String,
    /// 12-digit account id.
    pub account_id: String,
}

impl ServiceIdentity {
    /// The ARN of the resource `kind` with `id` in this Region and account.
    pub fn arn(&self, kind: ResourceKind, id: &str) -> String {
        format!(
            "arn:aws:ivschat:{}:{}:{}/{}",
            self.region,
            self.account_id,
            kind.arn_segment(),
            id
        )
    }
}

/// A fresh 12-character `[a-zA-Z0-9]` id, the format of room, logging-configuration and
/// operation ids.
pub fn new_id() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(12)
        .map(char::from)
        .collect()
}

/// The id part of an identifier for error bodies: the text after the last `/`, or the whole
/// identifier when it has none.
pub fn id_of(identifier: &str) -> &str {
    identifier.rsplit('/').next().unwrap_or(identifier)
}
