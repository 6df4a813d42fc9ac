//! Moderation engine (work in progress).
