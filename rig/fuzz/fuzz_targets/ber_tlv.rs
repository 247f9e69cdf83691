//! BER-TLV as the rig reads and masks it (chip data, DOLs, APDUs).
//! The body is `rig::fuzzing::ber_tlv`, which a stable test replays over corpus/ber_tlv/.
//! Run: cd rig/fuzz && cargo +nightly fuzz run ber_tlv -- -max_total_time=60
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rig::fuzzing::ber_tlv(data));
