//! [`JsonObject`]: a request body read field by field, so every refusal names the field and the
//! rule (`capabilities[1]: must be one of …`), and unknown fields are refused rather than
//! silently ignored (a caller who sends `role` or `userId` learns that it is not accepted).

use std::collections::BTreeMap;

use ivschat_api::Violation;
use serde_json::{Map, Value};

/// The field name used for problems with the body as a whole.
pub const BODY_FIELD: &str = "body";

/// A JSON object body. An empty body reads as `{}`, since every field of these APIs' bodies is
/// optional or checked by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JsonObject {
    fields: Map<String, Value>,
}

impl JsonObject {
    /// Parses `body`. Fails naming `body` when it is not JSON or not an object.
    pub fn from_body(body: &[u8]) -> Result<Self, Violation> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(fields)) => Ok(Self { fields }),
            Ok(_) => Err(Violation::new(BODY_FIELD, "must be a JSON object")),
            Err(error) => Err(Violation::new(
                BODY_FIELD,
                format!(
                    "must be valid JSON (error at line {} column {})",
                    error.line(),
                    error.column()
                ),
            )),
        }
    }

    /// Fails naming the first field (in name order) that is not in `accepted`.
    pub fn reject_unknown_fields(&self, accepted: &[&str]) -> Result<(), Violation> {
        // `min`, not the map's order: serde_json keeps insertion order when any crate in the
        // build enables its `preserve_order` feature, and the answer must not depend on that.
        let unknown = self
            .fields
            .keys()
            .filter(|k| !accepted.contains(&k.as_str()))
            .min();
        match unknown {
            Some(unknown) => Err(Violation::new(
                unknown.as_str(),
                format!(
                    "is not an accepted field (accepted: {})",
                    accepted.join(", ")
                ),
            )),
            None => Ok(()),
        }
    }

    /// The raw value of `name`; JSON `null` counts as absent.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.get(name).filter(|v| !v.is_null())
    }

    /// A string field, if present.
    pub fn optional_string(&self, name: &str) -> Result<Option<&str>, Violation> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(Violation::new(name, "must be a string")),
        }
    }

    /// A string field that must be present.
    pub fn required_string(&self, name: &str) -> Result<&str, Violation> {
        self.optional_string(name)?
            .ok_or_else(|| Violation::new(name, "is required"))
    }

    /// An integer field, if present.
    pub fn optional_integer(&self, name: &str) -> Result<Option<i64>, Violation> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => value
                .as_i64()
                .map(Some)
                .ok_or_else(|| Violation::new(name, "must be an integer")),
        }
    }

    /// A list of strings, if present; an element of the wrong type is named `name[i]`.
    pub fn optional_string_list(&self, name: &str) -> Result<Option<Vec<&str>>, Violation> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(Violation::new(name, "must be a list of strings"));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_str()
                    .ok_or_else(|| Violation::new(format!("{name}[{i}]"), "must be a string"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// A map of strings to strings, if present; a value of the wrong type is named `name.key`.
    pub fn optional_string_map(
        &self,
        name: &str,
    ) -> Result<Option<BTreeMap<String, String>>, Violation> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let Value::Object(entries) = value else {
            return Err(Violation::new(name, "must be an object of string values"));
        };
        entries
            .iter()
            .map(|(key, value)| match value {
                Value::String(text) => Ok((key.clone(), text.clone())),
                _ => Err(Violation::new(format!("{name}.{key}"), "must be a string")),
            })
            .collect::<Result<BTreeMap<_, _>, _>>()
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_body_reads_as_empty_object() {
        assert_eq!(
            JsonObject::from_body(b"  ").map(|o| o.get("x").is_none()),
            Ok(true)
        );
    }

    #[test]
    fn malformed_json_is_refused_naming_the_body() {
        let error = JsonObject::from_body(b"{\"a\":").expect_err("not JSON");
        assert_eq!(error.field, "body");
        assert!(error.rule.starts_with("must be valid JSON"));
    }

    #[test]
    fn non_object_json_is_refused() {
        let error = JsonObject::from_body(b"[1]").expect_err("not an object");
        assert_eq!(error.rule, "must be a JSON object");
    }

    #[test]
    fn unknown_field_is_named() {
        let body = JsonObject::from_body(br#"{"reason":"x","role":"moderator"}"#).expect("object");
        let error = body
            .reject_unknown_fields(&["reason"])
            .expect_err("role is unknown");
        assert_eq!(error.field, "role");
    }

    #[test]
    fn the_first_unknown_field_is_named_in_name_order_whatever_order_it_arrived_in() {
        let body = JsonObject::from_body(br#"{"zeta":1,"userId":"x","alpha":2}"#).expect("object");
        let error = body
            .reject_unknown_fields(&["userId"])
            .expect_err("two unknown fields");
        assert_eq!(error.field, "alpha");
    }

    #[test]
    fn wrong_types_name_the_element() {
        let body =
            JsonObject::from_body(br#"{"caps":["A",2],"attrs":{"k":1},"n":"5"}"#).expect("object");
        assert_eq!(
            body.optional_string_list("caps").expect_err("2").field,
            "caps[1]"
        );
        assert_eq!(
            body.optional_string_map("attrs").expect_err("1").field,
            "attrs.k"
        );
        assert_eq!(
            body.optional_integer("n").expect_err("string").rule,
            "must be an integer"
        );
    }

    #[test]
    fn null_counts_as_absent() {
        let body = JsonObject::from_body(br#"{"reason":null}"#).expect("object");
        assert_eq!(body.optional_string("reason"), Ok(None));
        assert_eq!(
            body.required_string("reason").expect_err("absent").rule,
            "is required"
        );
    }
}
