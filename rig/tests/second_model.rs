//! The same features on a terminal of another make: vterm's VT-2
//! personality (fixtures/terminals/vt2.toml, fixtures/benches/virtual-vt2.toml)
//! has its own console format, key labels, menu tree, English wording,
//! operator log-on, card-first sale, decimal amounts, tear-off prompt,
//! receipt layout and field 60, and lacks contactless, payment codes,
//! signatures and offline approval (its kernel is online only).
//! Every scenario passes through the profile alone, or is skipped as "not on
//! this terminal" for what the model lacks; its snapshots are its own.

mod common;

use common::{rig, scratch_project, text};

#[test]
fn every_feature_passes_on_vt2_or_is_skipped_for_what_it_lacks() {
    let project = scratch_project();
    let out = rig(
        &[
            "run",
            "--bench",
            "fixtures/benches/virtual-vt2.toml",
            "--report-dir",
            "out",
        ],
        project.path(),
    );
    let all = text(&out);
    assert!(out.status.success(), "rig run on VT-2 failed:\n{all}");
    let junit = std::fs::read_to_string(project.path().join("out/latest/junit.xml")).expect("junit.xml");
    assert!(junit.contains(r#"failures="0" errors="0""#), "{junit}");
    // Every skip names what VT-2 lacks, nothing else.
    let skips: Vec<&str> = junit
        .lines()
        .filter_map(|l| l.trim().strip_prefix("<skipped message=\""))
        .collect();
    assert!(
        !skips.is_empty(),
        "VT-2 lacks contactless, payment codes, signatures and offline approval: some scenarios skip"
    );
    for skip in &skips {
        // A Chinese step's skip reads in Chinese first, its English after " | ".
        assert!(
            skip.contains("not on this terminal: ")
                && (skip.contains("vterm VT-2 has no contactless")
                    || skip.contains("vterm VT-2 offers no qr_")
                    // junit.xml escapes the quote marks.
                    || skip.contains("vterm VT-2&apos;s kernel does not perform the CVM &quot;signature&quot;")
                    // VT-2 is online only: the offline-approval scenarios are VT-1's.
                    || skip.contains("vterm VT-2&apos;s kernel is online only")
                    || skip.contains("is an image for model VT-1; vterm VT-2 boots VT-2 images")),
            "unexpected skip: {skip}"
        );
    }
    // The sales slip snapshots played are VT-2's own.
    assert!(all.contains("features/chip_sale.feature:10"), "{all}");
    let stored = std::fs::read_to_string(
        project
            .path()
            .join("features/snapshots/vterm-vt-2/swipe-sale-approved-receipt.snap"),
    )
    .expect("VT-2's receipt snapshot");
    assert!(stored.contains("TOTAL: CNY 100.00"), "{stored}");
    // Its traces show VT-2 at work: keys by its labels, the responder's
    // tear-off answer, the operator log-on.
    let trace = std::fs::read_to_string(
        project
            .path()
            .join("out/latest/swipe_sale/L009-an-approved-swipe-sale-prints-both-copies-of-the-slip/trace.jsonl"),
    )
    .expect("the swipe sale's trace");
    for seen in [
        r#""key":"F1""#,
        r#""key":"OK""#,
        "responder: tear_off shown, pressing OK",
        "OPERATOR NO",
    ] {
        assert!(trace.contains(seen), "{seen} not in the trace:\n{trace}");
    }
}

#[test]
fn a_model_without_snapshots_leaves_them_pending_and_fails() {
    let project = scratch_project();
    std::fs::remove_dir_all(project.path().join("features/snapshots/vterm-vt-2")).expect("rm VT-2 snapshots");
    // Off CI, as a developer runs it: insta leaves the pending file (on CI
    // it writes none, and the run fails the same).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rig"))
        .args([
            "run",
            "--bench",
            "fixtures/benches/virtual-vt2.toml",
            "features/swipe_sale.feature:9",
            "--report-dir",
            "out",
        ])
        .current_dir(project.path())
        .env_remove("CI")
        .env_remove("INSTA_UPDATE")
        .output()
        .expect("rig runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("receipt snapshot \"swipe-sale-approved-receipt\" is new"),
        "{}",
        text(&out)
    );
    assert!(
        project
            .path()
            .join("features/snapshots/vterm-vt-2/swipe-sale-approved-receipt.snap.new")
            .exists(),
        "{}",
        text(&out)
    );
    // The reference model's snapshots are untouched.
    assert!(
        project
            .path()
            .join("features/snapshots/vterm-vt-1/swipe-sale-approved-receipt.snap")
            .exists()
    );
}
