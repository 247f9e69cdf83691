//! `rig card serve` serves a card only on an interface its file names.

use std::process::Command;

fn serve(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rig"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(["card", "serve"])
        .args(args)
        // Nothing listens on port 1: a card that were served would fail there instead.
        .args(["--connect", "127.0.0.1:1"])
        .output()
        .expect("rig runs");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_card_is_served_only_on_the_interfaces_its_file_names() {
    let (code, said) = serve(&["--card", "yunshanfu-phone"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("has no contact interface") && said.contains("serve it with --contactless"),
        "{said}"
    );
    let (code, said) = serve(&["--card", "unionpay-expired", "--contactless"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("has no contactless interface"), "{said}");
    // On an interface it has, the card gets as far as the reader.
    let (_, said) = serve(&["--card", "yunshanfu-phone", "--contactless"]);
    assert!(!said.contains("interface"), "{said}");
}
