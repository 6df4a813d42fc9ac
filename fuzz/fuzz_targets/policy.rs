//! Any policy text either compiles or fails with an error; it never panics.

#![no_main]

use ivschat_moderation::PolicySet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PolicySet::from_toml_str(text, "fuzz");
    }
});
