//! Frames from a reader to the card side of the vpcd protocol.
//! The body is `rig::fuzzing::vpcd_card_side`, which a stable test replays over corpus/vpcd_card_side/.
//! Run: cd rig/fuzz && cargo +nightly fuzz run vpcd_card_side -- -max_total_time=60
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rig::fuzzing::vpcd_card_side(data));
