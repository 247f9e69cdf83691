//! Any text as a bench, terminal profile, card or dialect file.
//! The body is `rig::fuzzing::config_loaders`, which a stable test replays over corpus/config_loaders/.
//! Run: cd rig/fuzz && cargo +nightly fuzz run config_loaders -- -max_total_time=60
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rig::fuzzing::config_loaders(data));
