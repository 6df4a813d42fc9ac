//! See `tests/dependency_rules.rs`: this crate only holds the architecture checks.
