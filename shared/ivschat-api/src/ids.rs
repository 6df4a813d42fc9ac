//! Typed identifiers: room and logging-configuration ARNs and room ids, parsed once with clear
//! errors so that every later use is known to be well-formed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::validate::{self, Violation};

macro_rules! arn_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $check:path, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses `value`, naming `field` in the error when it is not a well-formed ARN of
            /// this kind.
            pub fn parse(field: &str, value: &str) -> Result<Self, Violation> {
                $check(field, value)?;
                Ok(Self(value.to_owned()))
            }

            /// The ARN as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The resource id after the `/`.
            pub fn id(&self) -> &str {
                self.0.rsplit_once('/').map_or("", |(_, id)| id)
            }

            /// The region part of the ARN.
            pub fn region(&self) -> &str {
                self.0.split(':').nth(3).unwrap_or("")
            }

            /// The account part of the ARN.
            pub fn account(&self) -> &str {
                self.0.split(':').nth(4).unwrap_or("")
            }

            /// The ARN of resource `id` of this kind in `region` and `account`.
            pub fn from_parts(region: &str, account: &str, id: &str) -> Result<Self, Violation> {
                Self::parse($field, &format!("arn:aws:ivschat:{region}:{account}:{}/{id}", $kind))
            }
        }

        impl FromStr for $name {
            type Err = Violation;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::parse($field, value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse($field, &text).map_err(serde::de::Error::custom)
            }
        }
    };
}

arn_type!(
    /// A room ARN, `arn:aws:ivschat:REGION:ACCOUNT:room/ID`: the only form IVS Chat accepts as a
    /// room identifier.
    RoomArn,
    "room",
    validate::room_identifier,
    "roomArn"
);

arn_type!(
    /// A logging-configuration ARN, `arn:aws:ivschat:REGION:ACCOUNT:logging-configuration/ID`.
    LoggingConfigurationArn,
    "logging-configuration",
    validate::logging_configuration_identifier,
    "loggingConfigurationArn"
);

/// A bare room id: the 12 letters and digits at the end of a room ARN, as users see it in URLs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RoomId(String);

impl RoomId {
    /// Parses `value`, naming `field` in the error unless it is exactly 12 letters or digits.
    pub fn parse(field: &str, value: &str) -> Result<Self, Violation> {
        validate::message_id(field, value)?;
        Ok(Self(value.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ARN of this room in `region` and `account`.
    pub fn to_arn(&self, region: &str, account: &str) -> Result<RoomArn, Violation> {
        RoomArn::from_parts(region, account, &self.0)
    }
}

impl FromStr for RoomId {
    type Err = Violation;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::parse("roomId", value)
    }
}

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Any resource that can carry tags: a room or a logging configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceArn {
    /// A room.
    Room(RoomArn),
    /// A logging configuration.
    LoggingConfiguration(LoggingConfigurationArn),
}

impl ResourceArn {
    /// Parses a room or logging-configuration ARN, naming `field` in the error.
    pub fn parse(field: &str, value: &str) -> Result<Self, Violation> {
        validate::resource_arn(field, value)?;
        if let Ok(room) = RoomArn::parse(field, value) {
            return Ok(Self::Room(room));
        }
        LoggingConfigurationArn::parse(field, value).map(Self::LoggingConfiguration)
    }

    /// The ARN as text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Room(arn) => arn.as_str(),
            Self::LoggingConfiguration(arn) => arn.as_str(),
        }
    }
}

impl FromStr for ResourceArn {
    type Err = Violation;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::parse("resourceArn", value)
    }
}

impl fmt::Display for ResourceArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<RoomArn> for ResourceArn {
    fn from(arn: RoomArn) -> Self {
        Self::Room(arn)
    }
}

impl From<LoggingConfigurationArn> for ResourceArn {
    fn from(arn: LoggingConfigurationArn) -> Self {
        Self::LoggingConfiguration(arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: &str = "arn:aws:ivschat:eu-west-1:123456789012:room/abcdEFGH1234";

    #[test]
    fn room_arn_exposes_its_parts() {
        let arn: RoomArn = ROOM.parse().expect("valid");
        assert_eq!(arn.id(), "abcdEFGH1234");
        assert_eq!(arn.region(), "eu-west-1");
        assert_eq!(arn.account(), "123456789012");
        assert_eq!(arn.to_string(), ROOM);
    }

    #[test]
    fn room_arn_parse_names_the_field() {
        let err = RoomArn::parse("roomIdentifier", "room-1").expect_err("not an ARN");
        assert_eq!(err.field, "roomIdentifier");
        assert!(err.rule.contains("arn:aws:ivschat:REGION:ACCOUNT:room/ID"));
    }

    #[test]
    fn room_id_round_trips_to_an_arn() {
        let id: RoomId = "abcdEFGH1234".parse().expect("valid");
        assert_eq!(
            id.to_arn("eu-west-1", "123456789012")
                .expect("valid")
                .as_str(),
            ROOM
        );
        assert!("short".parse::<RoomId>().is_err());
    }

    #[test]
    fn resource_arn_tells_rooms_from_logging_configurations() {
        assert!(matches!(
            ROOM.parse::<ResourceArn>(),
            Ok(ResourceArn::Room(_))
        ));
        let logging = "arn:aws:ivschat:eu-west-1:123456789012:logging-configuration/abcdEFGH1234";
        assert!(matches!(
            logging.parse::<ResourceArn>(),
            Ok(ResourceArn::LoggingConfiguration(_))
        ));
        assert!(
            "arn:aws:ivs:eu-west-1:123456789012:channel/abc"
                .parse::<ResourceArn>()
                .is_err()
        );
    }

    #[test]
    fn arns_deserialize_with_validation() {
        let arn: RoomArn = serde_json::from_str(&format!("\"{ROOM}\"")).expect("valid");
        assert_eq!(arn.as_str(), ROOM);
        assert!(serde_json::from_str::<RoomArn>("\"nope\"").is_err());
    }
}
