//! The kernel test set finds kernel bugs: with the shipped broken-kernel
//! image (firmware-images/vterm-1.0.3-kernel-ignores-oda-failure.fw: ODA
//! failures leave the TVR clean) the scenarios of features/emv/ that cover
//! ODA failures fail, by the TVR step, and no other scenario does.

mod common;

use common::{rig, scratch_project, text};

/// The scenarios whose card fails offline data authentication.
const COVERING: &[&str] = &[
    "An ICC certificate that does not verify fails DDA",
    "A dynamic signature that does not verify fails DDA",
    "An issuer certificate under a CA index the terminal lacks fails DDA",
    "Signed static data that does not verify fails SDA",
    "An expired issuer certificate fails DDA",
    "An issuer certificate on the terminal's revocation list fails DDA",
    // fDDA failure on a tap: the broken kernel approves offline.
    "A TC whose fDDA signature does not verify is declined offline",
    // Its ICC certificate expired with the application: DDA fails too.
    "An expired application is marked so, and the issuer refuses it",
    // The DDA failure it does not record is what IAC-denial would decline.
    "A TVR bit in the card's IAC-denial declines offline",
    // The same, written in Chinese.
    "发卡行行为代码-拒绝含 \"脱机动态数据认证失败\", 脱机拒绝",
];

#[test]
fn the_broken_kernel_image_fails_exactly_the_scenarios_that_cover_its_bug() {
    let project = scratch_project();
    let image = "firmware-images/vterm-1.0.3-kernel-ignores-oda-failure.fw";
    let out = rig(
        &["run", "features/emv", "--firmware", image, "--report-dir", "out"],
        project.path(),
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "the run fails:\n{all}");
    let failed: Vec<&str> = all
        .lines()
        .filter_map(|l| l.strip_prefix("FAIL ["))
        .filter_map(|l| l.split_once("] ").map(|(_, rest)| rest))
        .collect();
    for name in COVERING {
        assert!(
            failed.iter().any(|f| f.ends_with(name)),
            "{name:?} did not fail:\n{all}"
        );
    }
    assert_eq!(
        failed.len(),
        COVERING.len(),
        "only the covering scenarios fail: {failed:#?}\n{all}"
    );
    assert!(all.contains("does not have \"DDA failed\""), "{all}");
}
