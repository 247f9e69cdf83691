//! Runs the `rig` binary on the virtual bench, as CI and QA do.

mod common;

use common::{Project, cases, junit, rig, scratch_project, text};
use quick_junit::{FlakyOrRerun, NonSuccessKind, TestCaseStatus, TestRerun};
use std::path::Path;
use std::process::{Command, Output};

#[test]
fn changed_merchant_name_fails_the_receipt_snapshot_with_a_diff() {
    let project = scratch_project();
    let params = project.path().join("fixtures/terminals/vterm.params.toml");
    let text_before = std::fs::read_to_string(&params).expect("params");
    std::fs::write(&params, text_before.replace("RIG TEST MERCHANT", "OTHER MERCHANT")).expect("write");
    let out = rig(&["run", "--tags", "@smoke", "--report-dir", "out"], project.path());
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("-商户名称(MERCHANT NAME): rig测试商户 RIG TEST MERCHANT"),
        "{shown}"
    );
    assert!(
        shown.contains("+商户名称(MERCHANT NAME): rig测试商户 OTHER MERCHANT"),
        "{shown}"
    );
}

#[test]
fn an_undefined_step_fails_the_scenario() {
    let project = scratch_project();
    let feature = project.path().join("features/typo.feature");
    std::fs::write(
        &feature,
        "Feature: typo\n  Scenario: QA mistyped a step\n    Given the terminal is powered on and signed on\n    When the cashier start a sale of 100.00 yuans\n\
         \x20 Scenario: QA wrote a snapshot step before the snapshot exists\n    Given the terminal is powered on and signed on\n\
         \x20   When the cashier makes a sale of 1.00 yuan with the card \"unionpay-debit\" and its PIN\n\
         \x20   Then the receipt matches the snapshot \"not-stored-yet\"\n",
    )
    .expect("write");
    let out = rig(&["run", "features/typo.feature", "--report-dir", "out"], project.path());
    // A mistake in the feature, not a terminal failure, and never retried.
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("2 feature mistake"),
        "a new snapshot is set-up work, not a terminal failure: {shown}"
    );
    assert!(!shown.contains("failed with a bench fault"), "{shown}");
    // Where, and what was probably meant.
    assert!(
        shown.contains("features/typo.feature:4: no step definition matches this step; did you mean:"),
        "{shown}"
    );
    assert!(shown.contains("  the cashier starts a sale of X yuan"), "{shown}");
    let junit = junit(&project.path().join("out/latest/junit.xml"));
    let case = cases(&junit)[0];
    let TestCaseStatus::NonSuccess { kind, message, ty, .. } = &case.status else {
        panic!("{case:?}")
    };
    assert_eq!(*kind, NonSuccessKind::Error, "{case:?}");
    assert_eq!(ty.as_ref().map(|t| t.as_str()), Some("feature mistake"), "{case:?}");
    assert!(
        message.as_ref().is_some_and(|m| m
            .as_str()
            .starts_with("When the cashier start a sale of 100.00 yuans: features/typo.feature:4: no step definition")),
        "{case:?}"
    );
}

/// Stages a bench fault (the console cable found unplugged) for the first
/// scenarios the bench assembles in a run.
fn stage_unplugged_console(project: &Path, assemblies: &str) {
    let bench = project.join("fixtures/benches/virtual.toml");
    let mut text = std::fs::read_to_string(&bench).expect("bench");
    text.push_str(&format!(
        "\n[virtual.simulated_faults]\nconsole_unplugged_at_assembly = [{assemblies}]\n"
    ));
    std::fs::write(&bench, text).expect("write bench");
}

/// Plays the smoke scenario with the console found unplugged at the given assemblies.
fn smoke_with_unplugged_console(assemblies: &str) -> (Project, Output) {
    let project = scratch_project();
    stage_unplugged_console(project.path(), assemblies);
    let out = rig(
        &[
            "run",
            "features/swipe_sale.feature",
            "--tags",
            "@smoke",
            "--retries",
            "1",
            "--report-dir",
            "out",
        ],
        project.path(),
    );
    (project, out)
}

#[test]
fn a_bench_fault_is_retried_and_reported_flaky_not_failed() {
    let (project, out) = smoke_with_unplugged_console("1");
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("1 scenario failed with a bench fault; playing it again (attempt 2 of 2)"),
        "{shown}"
    );
    assert!(shown.contains("1 flaky (passed after a bench fault)"), "{shown}");
    let latest = project.path().join("out/latest");
    let junit = junit(&latest.join("junit.xml"));
    assert_eq!((junit.failures, junit.errors), (0, 0), "{junit:?}");
    let flaky: Vec<&TestRerun> = cases(&junit)
        .into_iter()
        .flat_map(|c| match &c.status {
            TestCaseStatus::Success { flaky_runs } => flaky_runs.iter().collect(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(flaky.len(), 1, "{junit:?}");
    assert_eq!(flaky[0].kind, NonSuccessKind::Error);
    assert_eq!(flaky[0].ty.as_ref().map(|t| t.as_str()), Some("bench fault"));
    assert!(
        flaky[0]
            .message
            .as_ref()
            .is_some_and(|m| m.as_str().starts_with("attempt 1: assembling the bench")),
        "{flaky:?}"
    );
    // The failed attempt's folder is kept beside the retry's.
    let folders: Vec<String> = std::fs::read_dir(latest.join("swipe_sale"))
        .expect("feature folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let kept = folders
        .iter()
        .find(|f| f.ends_with(".attempt-1"))
        .expect("attempt-1 folder kept");
    assert!(
        folders.contains(&kept.trim_end_matches(".attempt-1").to_string()),
        "{folders:?}"
    );
    assert!(latest.join("swipe_sale").join(kept).join("trace.jsonl").is_file());
}

#[test]
fn a_bench_fault_on_every_attempt_exits_3_apart_from_terminal_failures() {
    let (project, out) = smoke_with_unplugged_console("1, 2");
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(3), "{shown}");
    assert!(shown.contains("1 bench fault"), "{shown}");
    let junit = junit(&project.path().join("out/latest/junit.xml"));
    assert_eq!((junit.failures, junit.errors), (0, 1), "{junit:?}");
    let errored: Vec<_> = cases(&junit)
        .into_iter()
        .filter_map(|c| match &c.status {
            TestCaseStatus::NonSuccess { kind, ty, reruns, .. } => Some((*kind, ty.clone(), reruns.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(errored.len(), 1, "{junit:?}");
    let (kind, ty, reruns) = &errored[0];
    assert_eq!(*kind, NonSuccessKind::Error);
    assert_eq!(ty.as_ref().map(|t| t.as_str()), Some("bench fault"));
    assert_eq!(reruns.kind, FlakyOrRerun::Rerun, "{reruns:?}");
    assert_eq!(reruns.runs.len(), 1, "{reruns:?}");
    assert_eq!(reruns.runs[0].ty.as_ref().map(|t| t.as_str()), Some("bench fault"));
}

#[test]
fn configuration_mistakes_exit_2_with_file_and_line() {
    let project = scratch_project();
    let bench = project.path().join("fixtures/benches/virtual.toml");
    let original = std::fs::read_to_string(&bench).expect("bench");
    let broken = original.replace("press_ms = 10", "press_ms = \"ten\"");
    assert_ne!(broken, original, "the bench file's press_ms line moved");
    std::fs::write(&bench, broken).expect("write");
    let out = rig(&["run", "--report-dir", "out"], project.path());
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    let line = original
        .lines()
        .position(|l| l.starts_with("press_ms"))
        .expect("press_ms line")
        + 1;
    assert!(shown.contains(&format!("virtual.toml:{line}:")), "{shown}");

    let out = rig(&["run", "no/such/features"], project.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = rig(&["run", "--tags", "@a and and", "--report-dir", "out"], project.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

fn testcases(junit: &str) -> Vec<String> {
    junit
        .split("<testcase name=\"")
        .skip(1)
        .filter_map(|t| t.split('"').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn two_shards_together_run_every_scenario_exactly_once() {
    let project = scratch_project();
    let features = ["features/swipe_sale.feature", "features/back_office.feature"];
    let mut seen = Vec::new();
    for shard in ["1/2", "2/2"] {
        let dir = format!("out-{}", &shard[..1]);
        let mut args = vec!["run"];
        args.extend(features);
        args.extend(["--shard", shard, "--report-dir", &dir]);
        let out = rig(&args, project.path());
        assert!(out.status.success(), "shard {shard}:\n{}", text(&out));
        let junit = std::fs::read_to_string(project.path().join(&dir).join("latest/junit.xml")).expect("junit");
        seen.push(testcases(&junit));
    }
    let out = rig(
        &["run", features[0], features[1], "--report-dir", "out-all"],
        project.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let mut all = testcases(&std::fs::read_to_string(project.path().join("out-all/latest/junit.xml")).expect("junit"));
    let mut both: Vec<String> = seen.concat();
    assert!(
        !seen[0].is_empty() && !seen[1].is_empty(),
        "both shards got work: {seen:?}"
    );
    all.sort();
    both.sort();
    assert_eq!(both, all, "every scenario exactly once");
    let out = rig(&["run", "--shard", "3/2"], project.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn a_killed_runs_lease_expires_and_the_next_run_proceeds() {
    let project = scratch_project();
    let leases = project.path().join("shared-leases");
    let mut first = Command::new(env!("CARGO_BIN_EXE_rig"))
        .args([
            "run",
            "features/host_faults.feature",
            "--lease-ttl",
            "5",
            "--report-dir",
            "out-1",
            "--lease-dir",
        ])
        .arg(&leases)
        .current_dir(project.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("rig runs");
    // The first run holds the bench once it says it is playing.
    let stdout = first.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("rig: playing") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("the first run started playing");
    let lease = leases.join("virtual.lease.json");
    // kill -9: no clean-up, the lease stays behind.
    first.kill().expect("kill");
    first.wait().expect("wait");
    assert!(lease.exists(), "a killed run leaves its lease");
    // Renewed every third of its 5 s life: more than 3 s are left, plenty for a fail-fast probe.
    let busy = Command::new(env!("CARGO_BIN_EXE_rig"))
        .args([
            "run",
            "features/swipe_sale.feature",
            "--tags",
            "@smoke",
            "--lease-wait",
            "0",
            "--report-dir",
            "out-2",
            "--lease-dir",
        ])
        .arg(&leases)
        .env("RIG_NO_BUILD", "1")
        .current_dir(project.path())
        .output()
        .expect("rig runs");
    assert_eq!(
        busy.status.code(),
        Some(3),
        "fails fast while the lease lives: {}",
        text(&busy)
    );
    assert!(text(&busy).contains("is leased by"), "{}", text(&busy));
    let next = Command::new(env!("CARGO_BIN_EXE_rig"))
        .args([
            "run",
            "features/swipe_sale.feature",
            "--tags",
            "@smoke",
            "--lease-wait",
            "30",
            "--report-dir",
            "out-3",
            "--lease-dir",
        ])
        .arg(&leases)
        .current_dir(project.path())
        .output()
        .expect("rig runs");
    assert!(
        next.status.success(),
        "the next run proceeds once the lease expired: {}",
        text(&next)
    );
    assert!(!lease.exists(), "and releases the bench when done");
}

#[test]
fn an_interrupted_run_reports_what_finished_and_exits_130() {
    let project = scratch_project();
    // One at a time: after the first scenario, seconds of others are left to interrupt.
    let mut run = Command::new(env!("CARGO_BIN_EXE_rig"))
        .args([
            "run",
            "features/swipe_sale.feature",
            "--jobs",
            "1",
            "--report-dir",
            "out",
        ])
        .current_dir(project.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("rig runs");
    // Interrupt once the first scenario's block is printed: it has finished.
    let stdout = run.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut seen = String::new();
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("PASS [") || line.starts_with("FAIL [") {
                let _ = tx.send(());
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        seen
    });
    rx.recv_timeout(std::time::Duration::from_secs(120))
        .expect("the second scenario started");
    let kill = Command::new("kill")
        .args(["-INT", &run.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = run.wait().expect("wait");
    let shown = reader.join().expect("reader");
    assert_eq!(status.code(), Some(130), "{shown}");
    assert!(shown.contains("interrupted (SIGINT): not playing the rest"), "{shown}");
    // Written whole, and readable as JUnit.
    let junit = junit(&project.path().join("out/latest/junit.xml"));
    assert!(
        !cases(&junit).is_empty(),
        "the finished scenario is reported: {junit:?}"
    );
}

#[test]
fn a_selection_lists_what_it_would_play_and_matching_nothing_is_a_mistake() {
    let project = scratch_project();
    let list = |args: &[&str]| {
        let mut all = vec!["run", "--list"];
        all.extend_from_slice(args);
        rig(&all, project.path())
    };
    // FILE:LINE: the scenario at that line; a line inside an outline, all its examples.
    let out = list(&["features/swipe_sale.feature:18"]);
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        shown.lines().collect::<Vec<_>>(),
        ["features/swipe_sale.feature:18 A wrong PIN (55) lets the cardholder try again"]
    );
    let out = list(&["features/host_faults.feature:66"]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(shown.lines().count(), 3, "every example of the outline: {shown}");
    // --name selects by scenario name.
    let out = list(&["--name", "wrong PIN"]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        !shown.is_empty() && shown.lines().all(|l| l.contains("wrong PIN")),
        "{shown}"
    );
    // A selection that matches nothing is a mistake, with what was asked.
    for args in [
        vec!["--tags", "@no_such_tag"],
        vec!["--name", "no such scenario"],
        vec!["features/swipe_sale.feature:2"],
    ] {
        let mut run = vec!["run", "--report-dir", "out"];
        run.extend(args.iter().copied());
        let out = rig(&run, project.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains("no scenario matches"), "{}", text(&out));
    }
    assert!(!project.path().join("out/latest").exists(), "nothing was played");
}

#[test]
fn fail_fast_stops_at_the_first_failed_scenario() {
    let project = scratch_project();
    let feature = project.path().join("features/three.feature");
    std::fs::write(
        &feature,
        "Feature: Three\n\
         \x20 Scenario: First fails\n\
         \x20   Given the terminal is powered on and signed on\n\
         \x20   When the cardholder swipes the card \"no-such-card\"\n\
         \x20 Scenario: Second\n\
         \x20   Given the terminal is powered on and signed on\n\
         \x20 Scenario: Third\n\
         \x20   Given the terminal is powered on and signed on\n",
    )
    .expect("feature");
    let out = rig(
        // One at a time: with several at once, those already playing finish.
        &[
            "run",
            "features/three.feature",
            "--fail-fast",
            "--jobs",
            "1",
            "--report-dir",
            "out",
        ],
        project.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let junit = junit(&project.path().join("out/latest/junit.xml"));
    assert_eq!(cases(&junit).len(), 1, "the run stopped after the first: {junit:?}");
}

#[test]
fn two_runs_of_the_virtual_bench_started_together_both_pass() {
    let project = scratch_project();
    let start = |out: &str| {
        Command::new(env!("CARGO_BIN_EXE_rig"))
            .args(["run", "features/swipe_sale.feature", "--report-dir", out])
            .env("RIG_NO_BUILD", "1")
            .current_dir(project.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("rig runs")
    };
    // No lease on a virtual bench: neither waits for the other.
    let (a, b) = (start("out-a"), start("out-b"));
    for run in [a, b] {
        let out = run.wait_with_output().expect("wait");
        assert!(out.status.success(), "{}", text(&out));
    }
}

#[test]
fn a_lab_bench_plays_one_scenario_at_a_time() {
    let project = scratch_project();
    // The example lab bench where it stands (its firmware image beside it).
    let bench = common::workspace().join("fixtures/benches/pi-lab.toml");
    let bench = bench.to_string_lossy();
    let out = rig(
        &["run", "--bench", &bench, "--jobs", "2", "--report-dir", "out"],
        project.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("--jobs 2: bench pi-lab-1 has one terminal"),
        "{}",
        text(&out)
    );
}

#[test]
fn reports_name_features_relative_to_their_folder_wherever_the_checkout_is() {
    let project = scratch_project();
    // The same scenario, given relative and absolute: CI history sees one test.
    let absolute = project.path().join("features/swipe_sale.feature:9");
    let absolute = absolute.to_string_lossy();
    let mut names = Vec::new();
    for (given, out) in [
        ("features/swipe_sale.feature:9", "out-rel"),
        (absolute.as_ref(), "out-abs"),
    ] {
        let run = rig(&["run", given, "--report-dir", out], project.path());
        assert!(run.status.success(), "{}", text(&run));
        let junit = junit(&project.path().join(out).join("latest/junit.xml"));
        let case: Vec<String> = cases(&junit).iter().map(|c| c.name.to_string()).collect();
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(project.path().join(out).join("latest/cucumber.json")).expect("cucumber.json"),
        )
        .expect("cucumber.json parses");
        let uris: Vec<String> = json
            .as_array()
            .expect("features")
            .iter()
            .map(|f| f["uri"].as_str().expect("uri").to_string())
            .collect();
        assert_eq!(uris, ["swipe_sale.feature"], "{given}");
        names.push(case);
    }
    assert_eq!(
        names[0],
        ["Scenario: An approved swipe sale prints both copies of the slip: swipe_sale.feature:9:3"]
    );
    assert_eq!(names[0], names[1]);
}

#[test]
fn a_transaction_the_terminal_does_not_offer_is_skipped_not_failed() {
    let project = scratch_project();
    // The same vterm, described as a model without payment codes.
    let profile = project.path().join("fixtures/terminals/vterm.toml");
    let original = std::fs::read_to_string(&profile).expect("profile");
    let without = original
        .replace(
            r#""stripe", "contact", "contactless", "payment_code", "ecr", "printer""#,
            r#""stripe", "contact", "contactless", "ecr", "printer""#,
        )
        .replace(r#""sale", "qr_sale", "qr_order","#, r#""sale","#);
    assert_ne!(without, original, "the profile's capabilities moved");
    std::fs::write(&profile, without).expect("write");
    let out = rig(
        &["run", "features/payment_code.feature", "--report-dir", "out"],
        project.path(),
    );
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "skips are not failures: {shown}");
    assert!(shown.contains("skipped (not on this terminal)"), "{shown}");
    let junit = junit(&project.path().join("out/latest/junit.xml"));
    let all = cases(&junit);
    assert!(!all.is_empty());
    for case in all {
        match &case.status {
            TestCaseStatus::Skipped { message, .. } => {
                let message = message.as_deref().unwrap_or_default();
                assert!(message.contains("not on this terminal"), "{message}");
            }
            other => panic!("{:?} was not skipped: {other:?}", case.name),
        }
    }
}

#[test]
fn doctor_checks_a_terminal_program_against_the_virtual_bench_contract() {
    let project = scratch_project();
    let bench = project.path().join("fixtures/benches/virtual.toml");
    let out = rig(&["doctor", "--bench", &bench.to_string_lossy()], project.path());
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    for line in [
        "READY line and boot banner",
        "contact reader",
        "contactless reader",
        "idle after power-on",
    ] {
        assert!(
            shown.lines().any(|l| l.starts_with("ok ") && l.contains(line)),
            "{line}: {shown}"
        );
    }
    // A program that says something else first.
    let program = project.path().join("not-a-terminal.sh");
    std::fs::write(
        &program,
        "#!/bin/sh\n[ \"$1\" = --version ] && { echo fake 0.1; exit 0; }\necho HELLO\nexec sleep 30\n",
    )
    .expect("script");
    let status = Command::new("chmod").arg("+x").arg(&program).status().expect("chmod");
    assert!(status.success());
    let original = std::fs::read_to_string(&bench).expect("bench");
    let broken = original.replace(
        "program = \"vterm\"",
        &format!("program = {:?}", program.to_string_lossy()),
    );
    assert_ne!(broken, original, "the bench file's program line moved");
    std::fs::write(&bench, broken).expect("write");
    let out = rig(&["doctor", "--bench", &bench.to_string_lossy()], project.path());
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(3), "{shown}");
    assert!(shown.contains("\"HELLO\" instead of its READY line"), "{shown}");
    assert!(shown.contains("VIRTUAL-BENCH.md"), "{shown}");
}

#[test]
fn a_responder_answers_its_prompt_and_a_menu_sign_on_is_walked_from_the_profile() {
    let project = scratch_project();
    let profile = project.path().join("fixtures/terminals/vterm.toml");
    let original = std::fs::read_to_string(&profile).expect("profile");
    // As a vendor would describe a terminal that logs on through its menu and
    // asks a question no step answers (here: which application).
    let changed = original.replace(
        "[receipt]\n",
        "[responders]\nchoose_application = [\"1\"]\n\n[sign_on]\nat_boot = \"menu\"\n\n[receipt]\n",
    );
    assert_ne!(changed, original);
    std::fs::write(&profile, changed).expect("write");
    std::fs::write(
        project.path().join("features/profile_driven.feature"),
        "Feature: Profile-driven screens\n\
         \x20 Scenario: Two applications, chosen by the responder\n\
         \x20   Given the terminal is powered on and signed on\n\
         \x20   When the cashier starts a sale of 20.00 yuan\n\
         \x20   And the cardholder inserts the card \"unionpay-two-apps\"\n\
         \x20   And the cardholder enters the card's PIN\n\
         \x20   Then the terminal shows \"approved\"\n\
         \x20   And the host received 2 sign-ons\n",
    )
    .expect("feature");
    let out = rig(
        &["run", "features/profile_driven.feature", "--report-dir", "out"],
        project.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let trace = std::fs::read_to_string(
        project
            .path()
            .join("out/latest/profile_driven/L002-two-applications-chosen-by-the-responder/trace.jsonl"),
    )
    .expect("trace");
    assert!(
        trace.contains("responder: choose_application shown, pressing 1"),
        "the responder's answer is on the timeline"
    );
}

#[test]
fn a_bad_feature_file_is_a_mistake_with_its_place_and_the_others_still_play() {
    let project = scratch_project();
    let dir = project.path().join("mixed");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let files = [
        (
            "a_typo.feature",
            "Feature: x\n  Scenari: oops\n    Given the terminal is powered on and signed on\n",
        ),
        (
            "b_table.feature",
            "Feature: y\n  Scenario: t\n    Given the terminal is powered on and signed on\n      | a | b |\n      | 1 |\n",
        ),
        ("c_language.feature", "# language: xx-YY\nFeature: z\n"),
        (
            "d_outline.feature",
            "Feature: o\n  Scenario Outline: no examples\n    When the cashier starts a sale of <a> yuan\n",
        ),
        (
            "e_good.feature",
            "Feature: ok\n  Scenario: fine\n    Given the terminal is powered on and signed on\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
    }
    let out = rig(&["run", "mixed", "--report-dir", "out"], project.path());
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    for expected in [
        "mixed/a_typo.feature:2:3: `Scenari:` is no Gherkin keyword (did you mean `Scenario:`?)",
        "mixed/b_table.feature:",
        "a table's rows have different numbers of cells",
        "mixed/c_language.feature:1:1: `# language: xx-YY` is not a Gherkin language",
        "mixed/d_outline.feature:2:3: the Scenario Outline \"no examples\" has no Examples table",
        "PASS [",
        "5 scenarios: 1 passed, 4 feature mistake",
    ] {
        assert!(shown.contains(expected), "{expected}: {shown}");
    }
    // The report is written, and latest points at it.
    let junit = junit(&project.path().join("out/latest/junit.xml"));
    assert_eq!(cases(&junit).len(), 5, "{junit:?}");
}

#[test]
fn junit_names_a_chinese_feature_in_its_own_keywords() {
    let project = scratch_project();
    let out = rig(
        &["run", "features/swipe_sale.zh-CN.feature:18", "--report-dir", "out"],
        project.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let junit = junit(&project.path().join("out/latest/junit.xml"));
    let case = cases(&junit)[0];
    assert_eq!(
        case.name.as_str(),
        "场景: 余额不足 (51) 时交易被拒绝: swipe_sale.zh-CN.feature:18:3"
    );
    assert_eq!(
        case.classname.as_ref().map(|c| c.as_str()),
        Some("功能: 刷卡消费 (联机密码)")
    );
}

#[test]
fn names_from_a_feature_stay_in_their_folders() {
    let project = scratch_project();
    std::fs::write(
        project.path().join("features/escape.feature"),
        "Feature: Names that leave their folder\n\n  Scenario: An image outside the firmware folder\n    Given the terminal is flashed with \"../../fixtures/benches/virtual.toml\"\n\n  Scenario: A snapshot outside the snapshot folder\n    Given the terminal is powered on and signed on\n    When the cashier makes a sale of 1.00 yuan with the card \"unionpay-debit\" and its PIN\n    Then the host messages match the snapshot \"..\"\n",
    )
    .expect("feature");
    let out = rig(
        &["run", "features/escape.feature", "--report-dir", "out"],
        project.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("firmware image \"../../fixtures/benches/virtual.toml\" is not a plain file name"),
        "{all}"
    );
    assert!(all.contains("snapshot \"..\" is not a plain file name"), "{all}");
}

#[test]
fn a_run_killed_mid_scenario_leaves_a_valid_junit_and_index_of_what_finished() {
    let project = scratch_project();
    let mut run = Command::new(env!("CARGO_BIN_EXE_rig"))
        .args([
            "run",
            "features/swipe_sale.feature",
            "--jobs",
            "1",
            "--report-dir",
            "out",
        ])
        .current_dir(project.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("rig runs");
    let stdout = run.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut finished = 0;
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("PASS [") || line.starts_with("FAIL [") {
                finished += 1;
                if finished == 2 {
                    let _ = tx.send(());
                }
            }
        }
    });
    // Two scenarios finished (one at a time: the first is in every report
    // by now), the third is playing: pull the plug.
    rx.recv_timeout(std::time::Duration::from_secs(120))
        .expect("two scenarios finished");
    run.kill().expect("SIGKILL");
    run.wait().expect("wait");
    let _ = reader.join();
    // `latest` moves only when a run ends: the killed run is its own folder.
    let run_dir = std::fs::read_dir(project.path().join("out"))
        .expect("out")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .expect("the run's folder");
    let report = junit(&run_dir.join("junit.xml"));
    let played = cases(&report).len();
    assert!((1..=3).contains(&played), "what finished, no more: {played} cases");
    assert!(
        cases(&report)
            .iter()
            .all(|c| matches!(c.status, TestCaseStatus::Success { .. })),
        "every finished scenario passed"
    );
    // The HTML index is whole, with a row and a page link per finished
    // scenario. It is written right after junit.xml, so a kill between the
    // two leaves it one scenario behind, never ahead and never torn.
    let index = std::fs::read_to_string(run_dir.join("index.html")).expect("index.html");
    assert!(index.trim_end().ends_with("</html>"), "a whole index");
    let rows = index.matches(r#"<tr class="scenario""#).count();
    assert!(
        rows == played || rows + 1 == played,
        "{rows} rows for {played} finished"
    );
    assert_eq!(index.matches("/index.html\">").count(), rows, "a page link per row");
}
