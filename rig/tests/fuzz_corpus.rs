//! Every committed fuzz corpus file (rig/fuzz/corpus/<target>/) replayed
//! through its target's function on the stable toolchain: what fuzzing
//! found stays found. The vterm targets are replayed by vterm's own test
//! (firmware-images/vterm/tests/fuzz_corpus.rs).

use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files = 0;
    for entry in std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
    {
        let bytes = std::fs::read(entry.path()).expect("corpus file");
        let ran = std::panic::catch_unwind(|| body(&bytes));
        assert!(ran.is_ok(), "{target} panics on {}", entry.path().display());
        files += 1;
    }
    assert!(files > 0, "{target}: an empty corpus in {}", dir.display());
}

#[test]
fn ber_tlv() {
    replay("ber_tlv", rig::fuzzing::ber_tlv);
}

#[test]
fn host_frame() {
    replay("host_frame", rig::fuzzing::host_frame);
}

#[test]
fn apdu_handler() {
    replay("apdu_handler", rig::fuzzing::apdu_handler);
}

#[test]
fn vpcd_card_side() {
    replay("vpcd_card_side", rig::fuzzing::vpcd_card_side);
}

#[test]
fn console_line() {
    replay("console_line", rig::fuzzing::console_line);
}

#[test]
fn config_loaders() {
    replay("config_loaders", rig::fuzzing::config_loaders);
}
