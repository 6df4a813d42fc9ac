//! The service's 17 operations and how restJson1 routes requests to them.

use percent_encoding::percent_decode_str;

/// An IVS Chat control-plane operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// POST /CreateChatToken
    CreateChatToken,
    /// POST /CreateRoom
    CreateRoom,
    /// POST /GetRoom
    GetRoom,
    /// POST /UpdateRoom
    UpdateRoom,
    /// POST /DeleteRoom (204)
    DeleteRoom,
    /// POST /ListRooms
    ListRooms,
    /// POST /DeleteMessage
    DeleteMessage,
    /// POST /DisconnectUser
    DisconnectUser,
    /// POST /SendEvent
    SendEvent,
    /// POST /tags/{resourceArn}
    TagResource,
    /// DELETE /tags/{resourceArn}?tagKeys=…
    UntagResource,
    /// GET /tags/{resourceArn}
    ListTagsForResource,
    /// POST /CreateLoggingConfiguration
    CreateLoggingConfiguration,
    /// POST /GetLoggingConfiguration
    GetLoggingConfiguration,
    /// POST /UpdateLoggingConfiguration
    UpdateLoggingConfiguration,
    /// POST /DeleteLoggingConfiguration (204)
    DeleteLoggingConfiguration,
    /// POST /ListLoggingConfigurations
    ListLoggingConfigurations,
}

impl Operation {
    /// All operations.
    pub const ALL: [Operation; 17] = [
        Operation::CreateChatToken,
        Operation::CreateRoom,
        Operation::GetRoom,
        Operation::UpdateRoom,
        Operation::DeleteRoom,
        Operation::ListRooms,
        Operation::DeleteMessage,
        Operation::DisconnectUser,
        Operation::SendEvent,
        Operation::TagResource,
        Operation::UntagResource,
        Operation::ListTagsForResource,
        Operation::CreateLoggingConfiguration,
        Operation::GetLoggingConfiguration,
        Operation::UpdateLoggingConfiguration,
        Operation::DeleteLoggingConfiguration,
        Operation::ListLoggingConfigurations,
    ];

    /// The operation's name in the model.
    pub fn name(self) -> &'static str {
        match self {
            Self::CreateChatToken => "CreateChatToken",
            Self::CreateRoom => "CreateRoom",
            Self::GetRoom => "GetRoom",
            Self::UpdateRoom => "UpdateRoom",
            Self::DeleteRoom => "DeleteRoom",
            Self::ListRooms => "ListRooms",
            Self::DeleteMessage => "DeleteMessage",
            Self::DisconnectUser => "DisconnectUser",
            Self::SendEvent => "SendEvent",
            Self::TagResource => "TagResource",
            Self::UntagResource => "UntagResource",
            Self::ListTagsForResource => "ListTagsForResource",
            Self::CreateLoggingConfiguration => "CreateLoggingConfiguration",
            Self::GetLoggingConfiguration => "GetLoggingConfiguration",
            Self::UpdateLoggingConfiguration => "UpdateLoggingConfiguration",
            Self::DeleteLoggingConfiguration => "DeleteLoggingConfiguration",
            Self::ListLoggingConfigurations => "ListLoggingConfigurations",
        }
    }

    /// The operation with this model name, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    /// The API rate quota in transactions per second (docs/ivs-chat.md §3), reported as a
    /// ThrottlingException's `limit`.
    pub fn rate_limit_per_second(self) -> i64 {
        match self {
            Self::DeleteMessage | Self::DisconnectUser | Self::SendEvent => 100,
            Self::CreateChatToken => 200,
            Self::CreateLoggingConfiguration
            | Self::DeleteLoggingConfiguration
            | Self::GetLoggingConfiguration
            | Self::ListLoggingConfigurations
            | Self::UpdateLoggingConfiguration => 3,
            Self::CreateRoom
            | Self::DeleteRoom
            | Self::GetRoom
            | Self::ListRooms
            | Self::UpdateRoom => 5,
            Self::ListTagsForResource | Self::TagResource | Self::UntagResource => 10,
        }
    }
}

/// A request matched to an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The operation.
    pub operation: Operation,
    /// The decoded `{resourceArn}` label of the tag operations.
    pub resource_arn: Option<String>,
}

/// Matches `method` and the raw (still percent-encoded) `path` to an operation, as the model's
/// `http` bindings do. `None` means no operation lives there.
pub fn resolve(method: &str, path: &str) -> Option<Route> {
    if let Some(label) = path.strip_prefix("/tags/") {
        let operation = match method {
            "POST" => Operation::TagResource,
            "DELETE" => Operation::UntagResource,
            "GET" => Operation::ListTagsForResource,
            _ => return None,
        };
        let resource_arn = percent_decode_str(label).decode_utf8().ok()?.into_owned();
        if resource_arn.is_empty() {
            return None;
        }
        return Some(Route {
            operation,
            resource_arn: Some(resource_arn),
        });
    }
    let operation = Operation::from_name(path.strip_prefix('/')?)?;
    if method != "POST"
        || matches!(
            operation,
            Operation::TagResource | Operation::UntagResource | Operation::ListTagsForResource
        )
    {
        return None;
    }
    Some(Route {
        operation,
        resource_arn: None,
    })
}

/// Parses a query string as `application/x-www-form-urlencoded` pairs (`+` is a space).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |text: &str| {
        let spaced = text.replace('+', " ");
        percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (decode(key), decode(value)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_post_operations_and_rest_tag_operations() {
        // GIVEN requests as the SDK sends them WHEN resolved THEN each finds its operation
        assert_eq!(
            resolve("POST", "/CreateRoom").map(|r| r.operation),
            Some(Operation::CreateRoom)
        );
        let untag = resolve(
            "DELETE",
            "/tags/arn%3Aaws%3Aivschat%3Aus-east-1%3A123456789012%3Aroom%2FabcDEF123456",
        )
        .expect("routed");
        assert_eq!(untag.operation, Operation::UntagResource);
        assert_eq!(
            untag.resource_arn.as_deref(),
            Some("arn:aws:ivschat:us-east-1:123456789012:room/abcDEF123456")
        );
    }

    #[test]
    fn leaves_wrong_methods_and_unknown_paths_unrouted() {
        // GIVEN requests no operation binds WHEN resolved THEN none matches
        assert_eq!(resolve("GET", "/CreateRoom"), None);
        assert_eq!(resolve("POST", "/tags"), None);
        assert_eq!(resolve("POST", "/TagResource"), None);
        assert_eq!(resolve("PUT", "/tags/x"), None);
        assert_eq!(resolve("POST", "/Nope"), None);
    }

    #[test]
    fn decodes_repeated_query_parameters() {
        // GIVEN an UntagResource query WHEN parsed THEN each key appears in order, decoded
        assert_eq!(
            query_pairs("tagKeys=a&tagKeys=b%20c&tagKeys=d+e"),
            vec![
                ("tagKeys".to_owned(), "a".to_owned()),
                ("tagKeys".to_owned(), "b c".to_owned()),
                ("tagKeys".to_owned(), "d e".to_owned()),
            ]
        );
    }
}
