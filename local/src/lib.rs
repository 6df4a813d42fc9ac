//! Local IVS Chat emulator (work in progress).
