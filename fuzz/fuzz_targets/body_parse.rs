//! Any request body given to the body parser: no panic, duplicate keys never accepted, and
//! every refusal bounded (docs/security.md).

#![no_main]

use http_api::JsonObject;
use http_api::error::MAX_FIELD_CHARS;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match JsonObject::from_body(data) {
        Ok(body) => {
            // Unknown fields are named, the name cut to a bounded length.
            if let Err(violation) = body.reject_unknown_fields(&["reason"]) {
                assert!(violation.field.chars().count() <= MAX_FIELD_CHARS);
            }
            for name in [
                "reason",
                "capabilities",
                "attributes",
                "sessionDurationInMinutes",
            ] {
                let _ = body.optional_string(name);
                let _ = body.optional_string_list(name);
                let _ = body.optional_string_map(name);
                let _ = body.optional_integer(name);
            }
        }
        Err(error) => {
            let violation = error.violation();
            assert_eq!(violation.field, "body");
            assert!(
                violation.rule.chars().count() < 300,
                "{}",
                violation.rule.len()
            );
        }
    }
});
