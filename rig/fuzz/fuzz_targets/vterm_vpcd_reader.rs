//! A hostile card emulator's answers to vterm's reader.
//! The body is `vterm::fuzzing::vpcd_reader`, which a stable test replays over corpus/vterm_vpcd_reader/.
//! Run: cd rig/fuzz && cargo +nightly fuzz run vterm_vpcd_reader -- -max_total_time=60
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vterm::fuzzing::vpcd_reader(data));
