//! Chip data as vterm's kernel reads it.
//! The body is `vterm::fuzzing::tlv`, which a stable test replays over corpus/vterm_tlv/.
//! Run: cd rig/fuzz && cargo +nightly fuzz run vterm_tlv -- -max_total_time=60
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vterm::fuzzing::tlv(data));
