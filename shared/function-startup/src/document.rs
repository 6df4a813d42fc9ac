//! [`BundledDocument`]: a document a function reads at cold start (a rooms spec, a tag policy)
//! from the file an environment variable names, or else the copy compiled into the binary.

use std::fmt::Display;

use crate::config::{ConfigError, ConfigReader};

/// Where a document comes from: the variable that may name a file, and the bundled default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundledDocument {
    /// The variable naming a file to use instead of the bundled copy (`ROOMS_SPEC_PATH`).
    pub variable: &'static str,
    /// How errors name the bundled copy (`bundled rooms spec`).
    pub bundled_name: &'static str,
    /// The bundled copy's text (`include_str!`).
    pub bundled_text: &'static str,
}

/// A document read and parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedDocument<T> {
    /// Where it came from: `bundled`, or the path.
    pub source: String,
    /// The parsed document.
    pub value: T,
}

impl BundledDocument {
    /// Reads the file the variable names (or the bundled text) and parses it with `parse`. An
    /// unreadable file fails naming the variable; a parse error names the variable (or the
    /// bundled copy) and carries the parser's message.
    pub fn load<T, E: Display>(
        &self,
        reader: &ConfigReader<'_>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<LoadedDocument<T>, ConfigError> {
        match reader.optional(self.variable) {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    ConfigError::new(self.variable, format!("cannot read `{path}`: {e}"))
                })?;
                let value =
                    parse(&text).map_err(|e| ConfigError::new(self.variable, e.to_string()))?;
                Ok(LoadedDocument {
                    source: path,
                    value,
                })
            }
            None => {
                let value = parse(self.bundled_text)
                    .map_err(|e| ConfigError::new(self.bundled_name, e.to_string()))?;
                Ok(LoadedDocument {
                    source: "bundled".to_owned(),
                    value,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const NUMBER: BundledDocument = BundledDocument {
        variable: "NUMBER_PATH",
        bundled_name: "bundled number",
        bundled_text: "42",
    };

    fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
        text.trim().parse()
    }

    #[test]
    fn the_bundled_copy_is_used_when_the_variable_is_unset() {
        let env: BTreeMap<&str, &str> = BTreeMap::new();
        let loaded = NUMBER.load(&ConfigReader::new(&env), parse).expect("valid");
        assert_eq!(loaded.source, "bundled");
        assert_eq!(loaded.value, 42);
    }

    #[test]
    fn an_unreadable_file_fails_naming_the_variable() {
        let env: BTreeMap<&str, &str> = BTreeMap::from([("NUMBER_PATH", "/nonexistent/n")]);
        let error = NUMBER
            .load(&ConfigReader::new(&env), parse)
            .expect_err("missing");
        assert_eq!(error.variable, "NUMBER_PATH");
        assert!(error.rule.starts_with("cannot read `/nonexistent/n`"));
    }

    #[test]
    fn a_file_that_does_not_parse_fails_naming_the_variable() {
        let path = std::env::temp_dir().join(format!("doc-{}.txt", std::process::id()));
        std::fs::write(&path, "not a number").expect("write");
        let path_text = path.display().to_string();
        let env: BTreeMap<&str, &str> = BTreeMap::from([("NUMBER_PATH", path_text.as_str())]);
        let error = NUMBER
            .load(&ConfigReader::new(&env), parse)
            .expect_err("bad");
        std::fs::remove_file(&path).ok();
        assert_eq!(error.variable, "NUMBER_PATH");
    }

    #[test]
    fn a_bundled_copy_that_does_not_parse_names_the_bundled_copy() {
        let broken = BundledDocument {
            bundled_text: "x",
            ..NUMBER
        };
        let env: BTreeMap<&str, &str> = BTreeMap::new();
        let error = broken
            .load(&ConfigReader::new(&env), parse)
            .expect_err("bad");
        assert_eq!(error.variable, "bundled number");
    }
}
