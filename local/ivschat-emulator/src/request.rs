//! Reading restJson1 request bodies member by member.
//!
//! Type and presence problems become `FIELD_VALIDATION_FAILED` errors naming the member (with a
//! dotted path for nested members), so a client sees the same shape of error as for a broken
//! length or pattern. JSON `null` counts as absent; unknown members are ignored, as AWS does.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::ApiError;

/// A JSON object body, or a nested structure within one.
#[derive(Debug, Clone, Default)]
pub struct JsonObject {
    members: Map<String, Value>,
    path: String,
}

fn type_error(field: &str, expected: &str) -> ApiError {
    ApiError::invalid_field(field, &format!("must be {expected}"))
}

impl JsonObject {
    /// Parses a request body. An empty body is an empty object; anything but a JSON object is a
    /// ValidationException.
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(members)) => Ok(Self {
                members,
                path: String::new(),
            }),
            Ok(_) => Err(ApiError::other_validation(
                "request body must be a JSON object",
            )),
            Err(error) => Err(ApiError::other_validation(format!(
                "request body is not valid JSON: {error}"
            ))),
        }
    }

    /// The wire name of member `name`, with this object's path in front.
    pub fn field_name(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.members.get(name).filter(|value| !value.is_null())
    }

    /// An optional string member.
    pub fn optional_string(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(type_error(&self.field_name(name), "a string")),
        }
    }

    /// A required string member.
    pub fn required_string(&self, name: &str) -> Result<String, ApiError> {
        self.optional_string(name)?
            .ok_or_else(|| ApiError::invalid_field(&self.field_name(name), "is required"))
    }

    /// An optional integer member.
    pub fn optional_integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => value
                .as_i64()
                .map(Some)
                .ok_or_else(|| type_error(&self.field_name(name), "an integer")),
        }
    }

    /// An optional list-of-strings member.
    pub fn optional_string_list(&self, name: &str) -> Result<Option<Vec<String>>, ApiError> {
        let field = self.field_name(name);
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| type_error(&field, "a list of strings"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(type_error(&field, "a list of strings")),
        }
    }

    /// An optional string-to-string map member.
    pub fn optional_string_map(
        &self,
        name: &str,
    ) -> Result<Option<BTreeMap<String, String>>, ApiError> {
        let field = self.field_name(name);
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(entries)) => entries
                .iter()
                .map(|(key, value)| {
                    value
                        .as_str()
                        .map(|text| (key.clone(), text.to_owned()))
                        .ok_or_else(|| type_error(&field, "a map of strings to strings"))
                })
                .collect::<Result<BTreeMap<_, _>, _>>()
                .map(Some),
            Some(_) => Err(type_error(&field, "a map of strings to strings")),
        }
    }

    /// An optional structure member.
    pub fn optional_object(&self, name: &str) -> Result<Option<JsonObject>, ApiError> {
        let field = self.field_name(name);
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(members)) => Ok(Some(JsonObject {
                members: members.clone(),
                path: field,
            })),
            Some(_) => Err(type_error(&field, "an object")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_members_and_treats_null_and_empty_body_as_absent() {
        // GIVEN a body with a null and a nested object
        let body = JsonObject::parse(br#"{"name":null,"handler":{"uri":"x"}}"#).expect("object");
        // WHEN members are read THEN null is absent and nested names carry their path
        assert_eq!(body.optional_string("name"), Ok(None));
        let handler = body
            .optional_object("handler")
            .expect("ok")
            .expect("present");
        assert_eq!(handler.field_name("uri"), "handler.uri");
        assert!(JsonObject::parse(b"").is_ok());
    }

    #[test]
    fn names_the_member_with_the_wrong_type_or_missing() {
        // GIVEN members of the wrong type
        let body = JsonObject::parse(br#"{"n":"5","tags":{"a":1}}"#).expect("object");
        // WHEN read THEN the errors name the member
        let ApiError::Validation { fields, .. } = body.optional_integer("n").unwrap_err() else {
            panic!("expected a validation error");
        };
        assert_eq!(fields[0].name, "n");
        assert!(body.optional_string_map("tags").is_err());
        assert!(body.required_string("userId").is_err());
    }

    #[test]
    fn refuses_bodies_that_are_not_json_objects() {
        // GIVEN malformed and non-object bodies WHEN parsed THEN both are validation errors
        assert!(JsonObject::parse(b"{not json").is_err());
        assert!(JsonObject::parse(b"[1,2]").is_err());
    }
}
