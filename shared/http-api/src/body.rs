//! [`JsonObject`]: a request body read field by field, so every refusal names the field and the
//! rule (`capabilities[1]: must be one of …`), and unknown fields are refused rather than
//! silently ignored (a caller who sends `role` or `userId` learns that it is not accepted).
//!
//! A body is refused whole when it is larger than [`MAX_BODY_BYTES`] (413), or when any object
//! in it repeats a key: parsers disagree on which copy wins, so a signer upstream and this
//! parser could otherwise read two different requests from the same bytes. Field names echoed
//! in errors are cut to a bounded length ([`crate::error::MAX_FIELD_CHARS`]).

use std::collections::BTreeMap;
use std::fmt;

use ivschat_api::Violation;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{ApiError, ErrorCode, MAX_FIELD_CHARS};
use crate::text::bounded;

/// The field name used for problems with the body as a whole.
pub const BODY_FIELD: &str = "body";
/// Largest JSON body accepted, in bytes. The APIs' bodies are a few hundred bytes at most.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// Larger than [`MAX_BODY_BYTES`] (413).
    #[error("body: must be at most {MAX_BODY_BYTES} bytes")]
    TooLarge,
    /// Not JSON, not an object, or an object repeats a key (400 naming `body`).
    #[error(transparent)]
    Invalid(#[from] Violation),
}

impl BodyError {
    /// The rule broken, for tests and logs.
    pub fn violation(&self) -> Violation {
        match self {
            Self::TooLarge => Violation::new(
                BODY_FIELD,
                format!("must be at most {MAX_BODY_BYTES} bytes"),
            ),
            Self::Invalid(violation) => violation.clone(),
        }
    }
}

impl From<BodyError> for ApiError {
    /// 413 `PayloadTooLarge` or 400 `InvalidInput`, both naming `body`.
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge => {
                ApiError::new(ErrorCode::PayloadTooLarge, error.to_string()).with_field(BODY_FIELD)
            }
            BodyError::Invalid(violation) => ApiError::invalid_input(violation),
        }
    }
}

/// A JSON value read with every object's keys checked for repeats.
struct UniqueKeys;

impl<'de> DeserializeSeed<'de> for UniqueKeys {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(UniqueKeys)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if fields.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "{DUPLICATE_KEY}`{}`",
                    bounded(&key, MAX_FIELD_CHARS)
                )));
            }
            let value = map.next_value_seed(UniqueKeys)?;
            fields.insert(key, value);
        }
        Ok(Value::Object(fields))
    }
}

const DUPLICATE_KEY: &str = "duplicate key ";

/// A JSON object body. An empty body reads as `{}`, since every field of these APIs' bodies is
/// optional or checked by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JsonObject {
    fields: Map<String, Value>,
}

impl JsonObject {
    /// Parses `body`. Fails naming `body` when it is larger than [`MAX_BODY_BYTES`], not JSON,
    /// not an object, or when any object in it repeats a key.
    pub fn from_body(body: &[u8]) -> Result<Self, BodyError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(BodyError::TooLarge);
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        let parsed = UniqueKeys
            .deserialize(&mut deserializer)
            .and_then(|value| deserializer.end().map(|()| value));
        match parsed {
            Ok(Value::Object(fields)) => Ok(Self { fields }),
            Ok(_) => Err(Violation::new(BODY_FIELD, "must be a JSON object").into()),
            Err(error) => {
                let text = error.to_string();
                let rule = match text.strip_prefix(DUPLICATE_KEY) {
                    Some(rest) => format!(
                        "must not repeat a key ({} appears twice, line {} column {})",
                        rest.split(" at line ").next().unwrap_or(rest),
                        error.line(),
                        error.column()
                    ),
                    None => format!(
                        "must be valid JSON (error at line {} column {})",
                        error.line(),
                        error.column()
                    ),
                };
                Err(Violation::new(BODY_FIELD, rule).into())
            }
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
                bounded(unknown, MAX_FIELD_CHARS),
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
        let error = JsonObject::from_body(b"{\"a\":")
            .expect_err("not JSON")
            .violation();
        assert_eq!(error.field, "body");
        assert!(error.rule.starts_with("must be valid JSON"));
    }

    #[test]
    fn non_object_json_is_refused() {
        let error = JsonObject::from_body(b"[1]")
            .expect_err("not an object")
            .violation();
        assert_eq!(error.rule, "must be a JSON object");
    }

    #[test]
    fn repeated_keys_are_refused_at_any_depth() {
        for text in [
            r#"{"reason":"a","reason":"b"}"#,
            r#"{"attributes":{"k":"1","k":"2"}}"#,
            r#"{"list":[{"x":1,"x":1}]}"#,
        ] {
            let error = JsonObject::from_body(text.as_bytes())
                .expect_err("duplicate")
                .violation();
            assert_eq!(error.field, "body", "{text}");
            assert!(
                error.rule.starts_with("must not repeat a key"),
                "{}",
                error.rule
            );
        }
        // The same key in two different objects is fine.
        assert!(JsonObject::from_body(br#"{"a":{"k":1},"b":{"k":1}}"#).is_ok());
    }

    #[test]
    fn a_repeated_long_key_is_not_echoed_whole() {
        let key = "k".repeat(10_000);
        let text = format!(r#"{{"{key}":1,"{key}":2}}"#);
        let error = JsonObject::from_body(text.as_bytes())
            .expect_err("duplicate")
            .violation();
        assert!(error.rule.len() < 300, "{}", error.rule.len());
    }

    #[test]
    fn oversized_bodies_are_refused_before_parsing() {
        let body = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(JsonObject::from_body(&body), Err(BodyError::TooLarge));
        let api: ApiError = BodyError::TooLarge.into();
        assert_eq!(api.status(), http::StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn trailing_content_is_refused() {
        assert!(JsonObject::from_body(br#"{"a":1} {"a":2}"#).is_err());
    }

    #[test]
    fn a_long_unknown_field_name_is_cut() {
        let key = "z".repeat(5_000);
        let body = JsonObject::from_body(format!(r#"{{"{key}":1}}"#).as_bytes()).expect("object");
        let error = body
            .reject_unknown_fields(&["reason"])
            .expect_err("unknown");
        assert_eq!(error.field.chars().count(), MAX_FIELD_CHARS);
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
