//! A console line classified with the shipped profiles' patterns.
//! The body is `rig::fuzzing::console_line`, which a stable test replays over corpus/console_line/.
//! Run: cd rig/fuzz && cargo +nightly fuzz run console_line -- -max_total_time=60
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rig::fuzzing::console_line(data));
