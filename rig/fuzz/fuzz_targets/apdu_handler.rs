//! Command APDUs to the card models (contact, contactless, phone).
//! The body is `rig::fuzzing::apdu_handler`, which a stable test replays over corpus/apdu_handler/.
//! Run: cd rig/fuzz && cargo +nightly fuzz run apdu_handler -- -max_total_time=60
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rig::fuzzing::apdu_handler(data));
