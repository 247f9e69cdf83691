//! A frame from a terminal: envelope, 8583 decoder, masker, the host's handling.
//! The body is `rig::fuzzing::host_frame`, which a stable test replays over corpus/host_frame/.
//! Run: cd rig/fuzz && cargo +nightly fuzz run host_frame -- -max_total_time=60
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rig::fuzzing::host_frame(data));
