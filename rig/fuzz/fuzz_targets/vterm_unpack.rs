//! An answer from a hostile host, unpacked by vterm.
//! The body is `vterm::fuzzing::unpack`, which a stable test replays over corpus/vterm_unpack/.
//! Run: cd rig/fuzz && cargo +nightly fuzz run vterm_unpack -- -max_total_time=60
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vterm::fuzzing::unpack(data));
