//! [`PolicySet`]: loading and compiling a policy, and finding the profile for a room.
//!
//! The engine reads no environment: the caller says where the policy file is
//! ([`PolicySet::load`]), or passes its text ([`PolicySet::from_toml_str`]).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use super::compile::{CompiledPolicy, Compiler, InvalidEntry};
use super::profile::CompiledProfile;
use crate::policy::PolicyDocument;

/// The built-in default policy (English block list, categories, allow list).
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../default_policy.toml");

/// Name under which errors in the built-in policy are reported.
pub const DEFAULT_POLICY_NAME: &str = "built-in default policy";

/// Why a policy could not be loaded. Every variant names the file (or the built-in policy).
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("{path}: cannot read policy file: {source}")]
    Read {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the policy format (unknown key, wrong type).
    #[error("{source_name}: {message}")]
    Parse {
        /// File path or [`DEFAULT_POLICY_NAME`].
        source_name: String,
        /// The parser's message, with line, column and key.
        message: String,
    },
    /// An entry is invalid.
    #[error("{source_name}: {entry}: {reason}")]
    Invalid {
        /// File path or [`DEFAULT_POLICY_NAME`].
        source_name: String,
        /// Which entry and rule (`terms[3] (rule "profanity")`, `profiles.kids.regex[0] (rule "phone")`).
        entry: String,
        /// What is wrong.
        reason: String,
    },
}

/// A compiled policy document: profiles plus the room → profile map. Build once at cold start
/// and share; deciding takes `&self`.
#[derive(Debug)]
pub struct PolicySet {
    profiles: Vec<CompiledProfile>,
    by_name: HashMap<String, usize>,
    by_room: HashMap<String, usize>,
    default_profile: usize,
    source_name: String,
}

impl PolicySet {
    /// Compiles the built-in default policy.
    pub fn builtin() -> Result<PolicySet, PolicyError> {
        PolicySet::from_toml_str(DEFAULT_POLICY_TOML, DEFAULT_POLICY_NAME)
    }

    /// Reads and compiles the policy file at `path`.
    pub fn from_path(path: &Path) -> Result<PolicySet, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        PolicySet::from_toml_str(&text, &path.display().to_string())
    }

    /// Compiles the policy file at `path`, or the built-in default policy when `path` is
    /// `None`. [`source_name`](PolicySet::source_name) and every error name the file, or
    /// [`DEFAULT_POLICY_NAME`]. Callers choose the path: the review-handler Lambda and the
    /// `ivschat-review` CLI read it from the `REVIEW_POLICY_PATH` environment variable (the
    /// crate's `POLICY_PATH_ENV`).
    pub fn load(path: Option<&Path>) -> Result<PolicySet, PolicyError> {
        match path {
            Some(path) => PolicySet::from_path(path),
            None => PolicySet::builtin(),
        }
    }

    /// Parses and compiles a policy document; `source_name` is used in error messages.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<PolicySet, PolicyError> {
        let document: PolicyDocument =
            toml::from_str(text).map_err(|error| PolicyError::Parse {
                source_name: source_name.to_string(),
                message: error.to_string().trim_end().to_string(),
            })?;
        PolicySet::compile(&document, source_name)
    }

    /// Compiles a parsed document.
    pub fn compile(document: &PolicyDocument, source_name: &str) -> Result<PolicySet, PolicyError> {
        let CompiledPolicy {
            profiles,
            by_name,
            by_room,
            default_profile,
        } = Compiler::new(document)
            .and_then(Compiler::compile)
            .map_err(|InvalidEntry { entry, reason }| PolicyError::Invalid {
                source_name: source_name.to_string(),
                entry,
                reason,
            })?;
        Ok(PolicySet {
            profiles,
            by_name,
            by_room,
            default_profile,
            source_name: source_name.to_string(),
        })
    }

    /// Where the policy came from (path or [`DEFAULT_POLICY_NAME`]).
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// The profile with this name.
    pub fn profile(&self, name: &str) -> Option<&CompiledProfile> {
        self.by_name.get(name).map(|&index| &self.profiles[index])
    }

    /// All profiles.
    pub fn profiles(&self) -> &[CompiledProfile] {
        &self.profiles
    }

    /// The profile for a room, looked up by full ARN, then by room id (the ARN's last path
    /// segment), else the default profile.
    pub fn profile_for_room(&self, room_arn: &str) -> &CompiledProfile {
        let index = self
            .by_room
            .get(room_arn)
            .or_else(|| {
                let id = room_arn.rsplit('/').next().unwrap_or(room_arn);
                self.by_room.get(id)
            })
            .copied()
            .unwrap_or(self.default_profile);
        &self.profiles[index]
    }

    /// Heap bytes used by the term automata (shared automata counted once).
    pub fn automaton_memory_usage(&self) -> usize {
        let mut seen = HashSet::new();
        self.profiles
            .iter()
            .filter(|p| seen.insert(Arc::as_ptr(&p.terms)))
            .map(|p| p.terms.automaton_memory_usage())
            .sum()
    }
}
