//! Steps that script the mock host's faults and assert on what it received.

use super::params::Yuan;
use crate::bench::BenchError;
use crate::config::capabilities::ReversalTiming;
use crate::events::{Kind, Seen};
use crate::host::faults::{AnswerFault, Fault, FaultAction, TransportFault};
use crate::host::txn::TxnKind;
use crate::iso8583::codec::field;
use crate::scenario::world::{RigWorld, StepError};
use cucumber::{given, then, when};
use std::time::Duration;

/// "sale" / "sales" / "pre-auth" -> the transaction kind.
fn kind(word: &str) -> Result<TxnKind, StepError> {
    let singulars = [
        word.to_string(),
        word.trim_end_matches('s').to_string(),
        format!("{}y", word.trim_end_matches("ies")),
    ];
    singulars.iter().find_map(|w| TxnKind::from_name(w)).ok_or_else(|| {
        let names: Vec<String> = crate::host::txn::ALL
            .iter()
            .filter(|k| **k != TxnKind::Unknown)
            .map(|k| match crate::scenario::zh_cn::chinese_of(k.name()) {
                Some(zh) => format!("{} ({zh})", k.name()),
                None => k.name().to_string(),
            })
            .collect();
        StepError::Mistake(format!(
            "{word:?} is not a transaction the host knows; one of: {}",
            names.join(", ")
        ))
    })
}

fn count(n: &str) -> usize {
    n.trim().parse().unwrap_or(1)
}

fn script(world: &RigWorld, n: usize, what: &str, action: FaultAction) -> Result<(), StepError> {
    let kind = kind(what)?;
    world.bench()?.host.script(Fault {
        kind: Some(kind),
        remaining: Some(n),
        skip: 0,
        action,
    });
    Ok(())
}

/// The mock host answers the next transaction(s) of that kind with this code instead of the issuer's decision.
#[given(regex = r#"^the host answers "([0-9A-Z]{2})" to the next (?:(\d+) )?([a-z -]+?)$"#)]
async fn answers_code(world: &mut RigWorld, code: String, n: String, what: String) -> Result<(), StepError> {
    script(world, count(&n), &what, FaultAction::Answer(AnswerFault::Code(code)))
}

/// The mock host reads the next request(s) of that kind and never answers.
#[given(regex = r"^the host does not answer the next (?:(\d+) )?([a-z -]+?)$")]
async fn no_answer(world: &mut RigWorld, n: String, what: String) -> Result<(), StepError> {
    script(
        world,
        count(&n),
        &what,
        FaultAction::Transport(TransportFault::NoAnswer),
    )
}

/// The mock host answers the next request of that kind that many seconds late.
#[given(regex = r"^the host delays its answer to the next ([a-z -]+) by (\d+(?:\.\d+)?) seconds?$")]
async fn delays(world: &mut RigWorld, what: String, seconds: String) -> Result<(), StepError> {
    let d = seconds.parse::<f64>().map_err(|e| StepError::Mistake(e.to_string()))?;
    script(
        world,
        1,
        &what,
        FaultAction::Transport(TransportFault::Delay(Duration::from_secs_f64(d))),
    )
}

/// The terminal's own wait for an answer, from its profile.
fn host_answer_timeout(world: &RigWorld) -> Result<Duration, StepError> {
    let bench = world.bench()?;
    bench
        .profile()
        .timeouts
        .host_answer_ms
        .map(Duration::from_millis)
        .ok_or_else(|| {
            StepError::Mistake(format!(
                "the terminal profile of {} gives no timeouts.host_answer_ms (how long the terminal waits for \
                 the host), which this step is made from",
                bench.profile().model
            ))
        })
}

/// The mock host answers after the terminal gave up (the profile's timeouts.host_answer_ms and a margin).
#[given(regex = r"^the host delays its answer to the next ([a-z -]+) past the terminal's timeout$")]
async fn delays_past_timeout(world: &mut RigWorld, what: String) -> Result<(), StepError> {
    // The terminal's clock starts before the request reaches the host, so any
    // delay over its timeout is too late; the margin covers scheduling noise
    // on a busy machine without costing a feature much time.
    let timeout = host_answer_timeout(world)?;
    let delay = timeout + (timeout / 4).max(Duration::from_millis(250));
    script(world, 1, &what, FaultAction::Transport(TransportFault::Delay(delay)))
}

/// The mock host answers slowly, at half the terminal's wait.
#[given(regex = r"^the host delays its answer to the next ([a-z -]+) but within the terminal's timeout$")]
async fn delays_within_timeout(world: &mut RigWorld, what: String) -> Result<(), StepError> {
    // Half the terminal's wait: slow enough to show a terminal that gives up
    // too early, far enough from the limit to be no race.
    let delay = host_answer_timeout(world)? / 2;
    script(world, 1, &what, FaultAction::Transport(TransportFault::Delay(delay)))
}

/// The mock host closes the connection without answering, for the next request(s) of that kind.
#[given(regex = r"^the host drops the connection after the next (?:(\d+) )?([a-z -]+?) requests?$")]
async fn drops_after(world: &mut RigWorld, n: String, what: String) -> Result<(), StepError> {
    script(
        world,
        count(&n),
        &what,
        FaultAction::Transport(TransportFault::DropAfterRequest),
    )
}

/// The mock host sends half its answer, then closes.
#[given(regex = r"^the host drops the connection halfway through its answer to the next ([a-z -]+)$")]
async fn drops_mid(world: &mut RigWorld, what: String) -> Result<(), StepError> {
    script(world, 1, &what, FaultAction::Transport(TransportFault::DropMidResponse))
}

/// The mock host's answer carries a wrong MAC (field 64).
#[given(regex = r"^the host corrupts the MAC of its answer to the next ([a-z -]+)$")]
async fn corrupts_mac(world: &mut RigWorld, what: String) -> Result<(), StepError> {
    script(world, 1, &what, FaultAction::Answer(AnswerFault::CorruptMac))
}

/// The mock host's answer echoes a wrong STAN (field 11) or terminal ID (field 41).
#[given(regex = r"^the host echoes a wrong (STAN|terminal ID) in its answer to the next ([a-z -]+)$")]
async fn wrong_echo(world: &mut RigWorld, field: String, what: String) -> Result<(), StepError> {
    let action = if field == "STAN" {
        FaultAction::Answer(AnswerFault::WrongStan)
    } else {
        FaultAction::Answer(AnswerFault::WrongTerminal)
    };
    script(world, 1, &what, action)
}

/// The mock host says the terminal's totals differ from its own at the next settlement (对账不平), so the terminal must upload its batch.
#[given(regex = r"^the host's totals differ from the terminal's at the next settlement$")]
async fn out_of_balance(world: &mut RigWorld) -> Result<(), StepError> {
    script(world, 1, "settlement", FaultAction::Answer(AnswerFault::OutOfBalance))
}

/// The mock host answers with a wrong message type.
#[given(regex = r"^the host answers the next ([a-z -]+) with a wrong MTI$")]
async fn wrong_mti(world: &mut RigWorld, what: String) -> Result<(), StepError> {
    script(world, 1, &what, FaultAction::Answer(AnswerFault::WrongMti))
}

/// The issuer sends this script command (field 55) with the next chip approval, to run after the second GENERATE AC (template 72) or, said so, before it (template 71). The command is written without its MAC (CLA INS P1 P2, then Lc and data, or Lc 00): the issuer adds the MAC for the card's transaction, or a wrong one when the step says so.
#[given(
    regex = r#"^the issuer sends the script "([0-9A-F]+)"(?:( with a wrong MAC))?(?:( to run before the second GENERATE AC))? with the next chip approval$"#
)]
async fn issuer_script(world: &mut RigWorld, apdu: String, wrong_mac: String, before: String) -> Result<(), StepError> {
    let apdu = hex::decode(&apdu).map_err(|e| StepError::Mistake(format!("script {apdu}: {e}")))?;
    let template = if before.is_empty() {
        crate::emv::ScriptTemplate::AfterFinalAc
    } else {
        crate::emv::ScriptTemplate::BeforeFinalAc
    };
    let mac = if wrong_mac.is_empty() {
        crate::emv::ScriptMac::Right
    } else {
        crate::emv::ScriptMac::Wrong
    };
    world.bench()?.host.issuer_script(template, apdu, mac);
    Ok(())
}

/// The terminal's script result notice (0620) says the script ran, or failed.
#[then(regex = r"^the script result says (done|failed)$")]
async fn script_result(world: &mut RigWorld, outcome: String) -> Result<(), StepError> {
    let want = if outcome == "done" { "20" } else { "10" };
    let bench = world.bench()?;
    let deadline = Duration::from_millis(bench.profile().timeouts.online_ms);
    let chip_data = |fields: &[(u8, String)]| {
        let f55 = field(fields, field::CHIP_DATA)
            .and_then(|h| hex::decode(h).ok())
            .unwrap_or_default();
        crate::emv::parse_tlv(&f55)
    };
    // The notice goes out after the transaction (even after the idle
    // screen), so only an answer without a script, or the power cut, says
    // at once that none will come.
    let ended = bench.ended_by(None);
    let (df31, _) = bench
        .timeline
        .wait_until(
            bench.wait_start(world.mark),
            deadline,
            "script result notice",
            |e| match &e.kind {
                Kind::HostReceived { txn, fields, .. } if *txn == TxnKind::ScriptResult => {
                    chip_data(fields).get("DF31").map_or(Seen::Pending, |v| Seen::Found(hex::encode_upper(v)))
                }
                Kind::HostSent { txn, fields, mti, .. }
                    if super::of_the_transaction(*txn) && !chip_data(fields).contains_key("86") =>
                {
                    Seen::Ended(format!(
                        "the host's answer ({mti}) carried no issuer script (tag 86 in 71/72), so no script result comes"
                    ))
                }
                Kind::PowerOff { .. } => ended(e).map_or(Seen::Pending, Seen::Ended),
                _ => Seen::Pending,
            },
        )
        .await
        .map_err(crate::bench::BenchError::from)?;
    if !df31.starts_with(want) {
        return Err(StepError::Expectation(format!(
            "the script result says {} (DF31 {df31}: its first digit 1 failed, 2 done), expected {outcome} (DF31 {want}...)",
            if df31.starts_with('1') {
                "failed"
            } else if df31.starts_with('2') {
                "done"
            } else {
                "neither done nor failed"
            }
        )));
    }
    Ok(())
}

/// The mock host refuses connections.
#[given(regex = r"^the host is down$")]
async fn host_down(world: &mut RigWorld) -> Result<(), StepError> {
    world.bench()?.host.go_down();
    Ok(())
}

/// The mock host listens again.
#[when(regex = r"^the host comes back up$")]
async fn host_up(world: &mut RigWorld) -> Result<(), StepError> {
    world
        .bench()?
        .host
        .come_up()
        .await
        // The mock host is part of the bench: failing to listen again is a bench fault.
        .map_err(|e| StepError::Bench(BenchError::Host(e)))
}

/// A request as the host journaled it: transaction name and decoded fields.
type Received = (TxnKind, Vec<(u8, String)>);

/// Requests the host received since the scenario began.
fn received(world: &RigWorld) -> Result<Vec<Received>, StepError> {
    Ok(world
        .bench()?
        .timeline
        .since(0)
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::HostReceived { txn, fields, .. } => Some((*txn, fields.clone())),
            _ => None,
        })
        .collect())
}

fn field(fields: &[(u8, String)], no: u8) -> Option<&str> {
    fields.iter().find(|(n, _)| *n == no).map(|(_, v)| v.as_str())
}

/// Waits for the reversal (0400) of that transaction (sale, refund, void, pre-auth, completion, ...) of that amount, with that reason code.
#[then(regex = r#"^the host received a reversal of the (\d+\.\d{2}) yuan ([a-z -]+?) with reason "([0-9A-Z]{2})"$"#)]
async fn reversal_of(world: &mut RigWorld, amount: Yuan, what: String, reason: String) -> Result<(), StepError> {
    let kind = kind(&what)?;
    if !kind.is_financial() {
        return Err(StepError::Mistake(format!(
            "a {} is not reversed: only transactions that move money are",
            kind.name()
        )));
    }
    reversal_of_kind(world, kind, amount, reason).await
}

async fn reversal_of_kind(world: &mut RigWorld, kind: TxnKind, amount: Yuan, reason: String) -> Result<(), StepError> {
    let amount12 = amount.field4();
    let sales: Vec<String> = received(world)?
        .into_iter()
        .filter(|(txn, f)| *txn == kind && field(f, field::AMOUNT) == Some(&amount12))
        .filter_map(|(_, f)| field(&f, field::STAN).map(str::to_string))
        .collect();
    if sales.is_empty() {
        return Err(StepError::Expectation(format!(
            "the host never received a {amount} yuan {}",
            kind.name()
        )));
    }
    let what = format!(
        "reversal of the {amount} yuan {} (STAN {}) with reason {reason}",
        kind.name(),
        sales.join(" or ")
    );
    let bench = world.bench()?;
    let deadline = Duration::from_millis(bench.profile().timeouts.online_ms);
    let approved = bench.profile().prompt("approved").cloned();
    let mark = world.mark;
    // A terminal that keeps a reversal for its next online transaction sends
    // none while it sits at idle: if it is there (or gets there) and none
    // came, none will.
    let keeps = bench.profile().capabilities.reversal == ReversalTiming::BeforeNextOnline;
    let idle = bench.profile().prompt("idle").cloned().filter(|_| keeps);
    let idle_now = bench
        .last_display()
        .zip(idle.as_ref())
        .is_some_and(|(text, idle)| idle.is_match(&text));
    let step_start = bench.timeline.now();
    let kept = "the terminal is idle, and it sends a reversal it owes only before its next online \
                transaction (profile [capabilities] reversal = \"before_next_online\"); none has been sent";
    let already = received(world)?.iter().any(|(txn, f)| {
        *txn == TxnKind::Reversal && field(f, field::STAN).is_some_and(|s| sales.contains(&s.to_string()))
    });
    // An approval says more than idleness: the wait below says that one.
    let approved_seen = bench.timeline.since(mark).iter().any(
        |e| matches!(&e.kind, Kind::Display { text, .. } if approved.as_ref().is_some_and(|re| re.is_match(text))),
    );
    if idle_now && !already && !approved_seen {
        return Err(StepError::Expectation(format!("no {what}: {kept}")));
    }
    let result = bench
        .timeline
        .wait_until(0, deadline, what.clone(), |e| match &e.kind {
            Kind::HostReceived { txn, fields: f, .. }
                if *txn == TxnKind::Reversal
                    && field(f, field::AMOUNT) == Some(&amount12)
                    && field(f, field::STAN).is_some_and(|s| sales.iter().any(|x| x == s)) =>
            {
                // A terminal reverses a transaction once, with one reason
                // (a repeat keeps it): another reason is the answer.
                match field(f, field::RESPONSE_CODE) {
                    Some(r) if r == reason => Seen::Found(()),
                    other => Seen::Ended(format!("its reversal came with reason {}", other.unwrap_or("-"))),
                }
            }
            // The terminal took the transaction as approved: nothing of it is owed.
            Kind::Display { text, .. } if e.seq >= mark && approved.as_ref().is_some_and(|re| re.is_match(text)) => {
                Seen::Ended(format!(
                    "the terminal showed \"approved\" ({text}): an approved transaction is not reversed"
                ))
            }
            Kind::Display { text, .. } if e.seq >= step_start && idle.as_ref().is_some_and(|re| re.is_match(text)) => {
                Seen::Ended(kept.to_string())
            }
            Kind::PowerOff { .. } if !bench.is_on() => Seen::Ended("the terminal is off: it sends nothing".into()),
            _ => Seen::Pending,
        })
        .await;
    if let Err(t) = result {
        let why = t
            .instead
            .clone()
            .unwrap_or_else(|| format!("none within {:?}", t.waited));
        let reversals: Vec<String> = received(world)?
            .into_iter()
            .filter(|(t, _)| *t == TxnKind::Reversal)
            .map(|(_, f)| {
                format!(
                    "STAN {} amount {} reason {}",
                    field(&f, field::STAN).unwrap_or("-"),
                    field(&f, field::AMOUNT).unwrap_or("-"),
                    field(&f, field::RESPONSE_CODE).unwrap_or("-")
                )
            })
            .collect();
        return Err(StepError::Expectation(format!(
            "no {what}: {why}; reversals received: [{}]",
            reversals.join("; ")
        )));
    }
    Ok(())
}

/// Once the terminal is idle: the host received no reversal.
#[then(regex = r"^the host received no reversal$")]
async fn no_reversal(world: &mut RigWorld) -> Result<(), StepError> {
    let n = received(world)?.iter().filter(|(t, _)| *t == TxnKind::Reversal).count();
    if n > 0 {
        return Err(StepError::Expectation(format!("the host received {n} reversal(s)")));
    }
    Ok(())
}

/// Once the terminal is idle: the host received that many messages of that kind.
#[then(regex = r"^the host received (\d+) ([a-z -]+?)$")]
async fn received_count(world: &mut RigWorld, n: String, what: String) -> Result<(), StepError> {
    let kind = kind(&what)?;
    // Count once the terminal is back at rest: notices go out after the receipt.
    world
        .bench_mut()?
        .bring_to(crate::bench::strategy::TerminalState::Idle)
        .await?;
    let want = count(&n);
    let got = received(world)?.iter().filter(|(t, _)| *t == kind).count();
    if got != want {
        return Err(StepError::Expectation(format!(
            "the host received {got} {}, expected {want}",
            kind.name()
        )));
    }
    Ok(())
}
