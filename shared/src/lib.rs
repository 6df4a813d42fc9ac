//! Validated, typed access to Amazon IVS Chat (work in progress).
