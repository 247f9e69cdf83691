//! vterm's fuzz corpora (rig/fuzz/corpus/vterm_*) replayed through its
//! parsers on the stable toolchain.

use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../rig/fuzz/corpus")
        .join(target);
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
fn tlv() {
    replay("vterm_tlv", vterm::fuzzing::tlv);
}

#[test]
fn unpack() {
    replay("vterm_unpack", vterm::fuzzing::unpack);
}

#[test]
fn vpcd_reader() {
    replay("vterm_vpcd_reader", vterm::fuzzing::vpcd_reader);
}
