//! The step library. Steps act through bench verbs and await events on the
//! timeline with deadlines; what is terminal-specific comes from the profile.
//! Chinese steps (`# language: zh-CN`) call the same functions. One file
//! per domain; the helpers here (getting to a prompt, keying digits, a
//! whole card flow) are what several domains share.

use super::world::{RigWorld, StepError};
use crate::bench::flow::{Datum, Goal, Presentation};
use crate::bench::strategy::TerminalState;
use crate::config::capabilities::Interface;
use crate::config::card::{CardProfile, Interface as CardInterface};
use crate::config::flows::Answer;
use crate::events::{Kind, Seen};
use crate::iso8583::codec::field;
use crate::iso8583::response::ResponseCode;
use crate::iso8583::txn::TxnKind;
use crate::snapshot;
use cucumber::{given, then, when};
use params::Yuan;
use std::time::Duration;

mod back_office;
mod chip;
mod display;
mod ecr;
mod host;
mod kernel;
mod params;
mod payment_code;
mod power;
mod preauth;
mod receipt;
mod sale;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

async fn keys(world: &RigWorld, keys: &[String]) -> Result<(), StepError> {
    let bench = world.bench()?;
    for key in keys {
        bench.press(key).await?;
    }
    Ok(())
}

/// Powered, signed on and idle (the strategy knows how from any state).
async fn terminal_ready(world: &mut RigWorld) -> Result<(), StepError> {
    world.mark = world.bench_mut()?.bring_to(TerminalState::Ready).await?;
    Ok(())
}

/// Back on the idle screen after an earlier transaction.
async fn idle(world: &mut RigWorld) -> Result<(), StepError> {
    world.bench_mut()?.bring_to(TerminalState::Idle).await?;
    Ok(())
}

async fn start_sale(world: &mut RigWorld, amount: Yuan) -> Result<(), StepError> {
    begin(world, "sale", vec![(Answer::Amount, Datum::Digits(amount.keyed()))]).await
}

/// Opens transaction `name` from the idle screen and walks its flow (the
/// profile's `[flows]`) as far as `data` goes; the transaction's events
/// begin at the mark.
/// The step fails when the terminal went its own way before a prompt one
/// of its data was for.
async fn begin(world: &mut RigWorld, name: &str, data: Vec<(Answer, Datum)>) -> Result<(), StepError> {
    begin_lenient(world, name, data, &[]).await
}

/// [`begin`], where the prompts answered with `lenient` data may be skipped
/// by a transaction that ends without them (the PIN a whole sale keys if asked).
async fn begin_lenient(
    world: &mut RigWorld,
    name: &str,
    data: Vec<(Answer, Datum)>,
    lenient: &[Answer],
) -> Result<(), StepError> {
    transaction_keys(world, name)?;
    let goal: Vec<Goal> = data
        .iter()
        .map(|(answer, _)| Goal {
            answer: *answer,
            strict: !lenient.contains(answer),
        })
        .collect();
    world.mark = world.bench_mut()?.begin(name, data).await?;
    world.started = Some(name.to_string());
    reached(world, &goal)
}

/// Fails when the flow in progress stopped short of `goal`, naming the
/// screen it stopped at and the prompt it never reached.
fn reached(world: &RigWorld, goal: &[Goal]) -> Result<(), StepError> {
    match world.bench()?.short_of(goal) {
        Some(why) => Err(StepError::Bench(crate::bench::BenchError::Terminal(why))),
        None => Ok(()),
    }
}

/// Gives the flow in progress a datum; false when it wants none (the step
/// acts itself). Fails when the flow stopped before the datum's prompt.
async fn supply(world: &mut RigWorld, answer: Answer, datum: Datum) -> Result<bool, StepError> {
    if !world.bench_mut()?.supply(answer, datum).await? {
        return Ok(false);
    }
    reached(world, &[Goal { answer, strict: true }])?;
    Ok(true)
}

/// The keys of transaction `name` from the idle screen; a transaction the
/// terminal model does not offer skips the scenario ("not on this terminal").
fn transaction_keys(world: &RigWorld, name: &str) -> Result<Vec<String>, StepError> {
    let profile = world.bench()?.profile();
    if !profile.capabilities.has_transaction(name) {
        return Err(StepError::NotOnThisTerminal(format!(
            "{} offers no {name} (its profile's capabilities.transactions)",
            profile.model
        )));
    }
    profile
        .menu(name)
        .map(<[String]>::to_vec)
        .ok_or_else(|| StepError::Mistake(format!("the terminal profile has no [menus] {name}")))
}

/// Fails with "not on this terminal" when the model lacks `interface`.
fn needs(world: &RigWorld, interface: Interface) -> Result<(), StepError> {
    let profile = world.bench()?.profile();
    if profile.capabilities.has_interface(interface) {
        Ok(())
    } else {
        Err(StepError::NotOnThisTerminal(format!(
            "{} has no {} (its profile's capabilities.interfaces)",
            profile.model,
            interface.name()
        )))
    }
}

/// The card file `name`, which must name `how` among its `interfaces`: a
/// card is presented only as it can be (a stripe-only card is not
/// inserted, a phone is not swiped); anything else is a feature mistake.
fn card_on(world: &RigWorld, name: &str, how: CardInterface) -> Result<CardProfile, StepError> {
    let profile = world.bench()?.plan.card(name)?.clone();
    if profile.interfaces.contains(&how) {
        return Ok(profile);
    }
    let (verb, wanted) = match how {
        CardInterface::Magstripe => ("swiped", "magstripe"),
        CardInterface::Contact => ("inserted", "contact"),
        CardInterface::Contactless => ("tapped", "contactless"),
    };
    let has: Vec<&str> = profile
        .interfaces
        .iter()
        .map(|i| match i {
            CardInterface::Magstripe => "magstripe",
            CardInterface::Contact => "contact",
            CardInterface::Contactless => "contactless",
        })
        .collect();
    Err(StepError::Mistake(format!(
        "the card {name:?} cannot be {verb}: its file names no {wanted} interface (interfaces = [{}])",
        has.join(", ")
    )))
}

async fn swipe(world: &mut RigWorld, card: &str) -> Result<(), StepError> {
    needs(world, Interface::Stripe)?;
    let profile = card_on(world, card, CardInterface::Magstripe)?;
    present(world, card, Presentation::Swipe(profile)).await
}

async fn insert(world: &mut RigWorld, card: &str) -> Result<(), StepError> {
    needs(world, Interface::Contact)?;
    let profile = card_on(world, card, CardInterface::Contact)?;
    present(world, card, Presentation::Insert(profile)).await
}

/// A tap: into the field until the terminal says the card was read, then away.
async fn tap(world: &mut RigWorld, card: &str) -> Result<(), StepError> {
    needs(world, Interface::Contactless)?;
    let profile = card_on(world, card, CardInterface::Contactless)?;
    present(world, card, Presentation::Tap(profile)).await
}

/// The card at the flow's card prompt, or, with no flow waiting for one, at once.
async fn present(world: &mut RigWorld, name: &str, how: Presentation) -> Result<(), StepError> {
    if !supply(world, Answer::Card, Datum::Card(Box::new(how.clone()))).await? {
        world.bench_mut()?.present_card(&how).await?;
    }
    world.card = Some(name.to_string());
    Ok(())
}

async fn enter_pin(world: &mut RigWorld, pin: &str) -> Result<(), StepError> {
    if supply(world, Answer::Pin, Datum::Digits(pin.to_string())).await? {
        return Ok(());
    }
    // No flow asks for it (a PIN asked again after a wrong one).
    let bench = world.bench()?;
    // Chip reading comes first: type only once the terminal asks.
    bench
        .await_current_prompt("pin", &[], ms(bench.profile().timeouts.online_ms))
        .await?;
    let mut typed: Vec<String> = pin.chars().map(|d| bench.profile().digit_key(d)).collect();
    typed.push(bench.profile().keys.enter.clone());
    keys(world, &typed).await
}

/// Fails when no transaction was started: an outcome, an answer or a slip
/// of none cannot come, and waiting for one would only run out.
fn some_transaction(world: &RigWorld, what: &str) -> Result<(), StepError> {
    match world.started {
        Some(_) => Ok(()),
        None => Err(StepError::Expectation(format!(
            "no transaction was started in this scenario, so there is no {what}"
        ))),
    }
}

async fn shows(world: &mut RigWorld, prompt: &str) -> Result<(), StepError> {
    let bench = world.bench()?;
    let deadline = ms(bench.profile().timeouts.online_ms);
    if bench.profile().outcomes.iter().any(|o| o == prompt) {
        some_transaction(world, &format!("outcome {prompt:?} to show"))?;
        bench.await_outcome(world.mark, prompt, deadline).await?;
    } else {
        bench.await_prompt(world.mark, prompt, deadline).await?;
    }
    Ok(())
}

async fn shows_text(world: &mut RigWorld, text: &str) -> Result<(), StepError> {
    let what = format!("display containing {}", crate::mask::as_written(&format!("{text:?}")));
    shown_since_mark(world, &what, |t| t.contains(text)).await
}

/// Waits, within the online deadline, for a display since the transaction
/// began that `matches`.
async fn shown_since_mark(world: &RigWorld, what: &str, matches: impl Fn(&str) -> bool) -> Result<(), StepError> {
    let bench = world.bench()?;
    bench
        .await_display(world.mark, what, ms(bench.profile().timeouts.online_ms), matches)
        .await
        .map_err(crate::bench::BenchError::from)?;
    Ok(())
}

/// Waits for the terminal to come back to idle after the transaction:
/// after that, everything it printed for the transaction is on the timeline.
async fn transaction_over(world: &RigWorld) -> Result<(), StepError> {
    if world.started.is_none() {
        // Nothing was started: the terminal is at rest already.
        return Ok(());
    }
    // The transaction began just before its first key at `mark`, on the idle
    // screen; it is over when the terminal is back there.
    let bench = world.bench()?;
    bench
        .await_prompt(world.mark, "idle", ms(bench.profile().timeouts.online_ms))
        .await?;
    Ok(())
}

/// Whether a host message belongs to the transaction a step started (not
/// a reversal sent first, a sign-on or a notice after it).
fn of_the_transaction(txn: TxnKind) -> bool {
    txn.is_financial() || txn == TxnKind::BalanceInquiry
}

/// The answer to the transaction the scenario last started, whatever its
/// message class (0210, 0110, 0230, ...), as it crossed the wire: an
/// answer the host withheld (a dropped connection) is no answer.
async fn host_answered(world: &mut RigWorld, code: &ResponseCode) -> Result<(), StepError> {
    some_transaction(world, "answer to read")?;
    let bench = world.bench()?;
    // The terminal back at idle without an answer: none will come now.
    let ended = bench.ended_by(None);
    let ((mti, answered), _) = bench
        .timeline
        .wait_until(
            bench.wait_start(world.mark),
            ms(bench.profile().timeouts.online_ms),
            "host answer to the transaction",
            |e| match &e.kind {
                Kind::HostSent { mti, fields, txn, .. } if of_the_transaction(*txn) => Seen::Found((
                    mti.clone(),
                    fields
                        .iter()
                        .find(|(no, _)| *no == field::RESPONSE_CODE)
                        .map_or_else(|| ResponseCode::of(""), |(_, v)| ResponseCode::of(v)),
                )),
                Kind::HostWithheld { mti, txn, why, .. } if of_the_transaction(*txn) => {
                    Seen::Ended(format!("the host's {mti} answer never reached the terminal ({why})"))
                }
                _ => ended(e).map_or(Seen::Pending, Seen::Ended),
            },
        )
        .await
        .map_err(crate::bench::BenchError::from)?;
    if answered != *code {
        return Err(StepError::Expectation(format!(
            "the host answered {mti} with response code {answered}, expected {code}"
        )));
    }
    Ok(())
}

/// Opens transaction `name` from the idle screen, with no data for its
/// flow; returns where its events begin.
async fn menu(world: &mut RigWorld, name: &str) -> Result<crate::events::Cursor, StepError> {
    begin(world, name, Vec::new()).await?;
    Ok(world.mark)
}

/// A file name a feature gives (a snapshot, a firmware image): it must stay
/// in its folder, so no path separator and no `..`.
fn plain_name<'a>(what: &str, name: &'a str) -> Result<&'a str, StepError> {
    let bad = name.is_empty() || name.contains(['/', '\\']) || name.contains("..") || name.starts_with('.');
    if bad {
        return Err(StepError::Mistake(format!(
            "{what} {name:?} is not a plain file name (no /, no .., not starting with .): names stay in their folder"
        )));
    }
    Ok(name)
}

/// Whether a host answer's fields say approved.
fn approved(fields: &[(u8, String)]) -> bool {
    fields
        .iter()
        .any(|(n, v)| *n == field::RESPONSE_CODE && ResponseCode::of(v).is_approval())
}

/// A field of the host's last approving answer to a `txn`.
/// Read once the transaction before is over: its answer is on the timeline
/// by then (a step right after a sale would otherwise race the host's answer).
async fn last_approved(world: &mut RigWorld, txn: TxnKind, field: u8) -> Result<String, StepError> {
    idle(world).await?;
    world
        .bench()?
        .timeline
        .since(0)
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            Kind::HostSent { txn: t, fields, .. } if *t == txn && approved(fields) => fields
                .iter()
                .find(|(n, _)| *n == field)
                .map(|(_, v)| v.trim().to_string()),
            _ => None,
        })
        .ok_or_else(|| StepError::Expectation(format!("the host approved no {txn} yet")))
}

/// How a whole-transaction step presents its card: `inserted`, `tapped`,
/// or (`swiped` or nothing) swiped.
fn presented(how: &str) -> CardInterface {
    match how {
        "inserted" => CardInterface::Contact,
        "tapped" => CardInterface::Contactless,
        _ => CardInterface::Magstripe,
    }
}

/// Transaction `name` with those keyed data, the card presented `how`
/// ("inserted", "tapped", else swiped) and its PIN if the terminal asks.
async fn card_flow(
    world: &mut RigWorld,
    name: &str,
    inputs: Vec<(Answer, String)>,
    card: &str,
    how: &str,
) -> Result<(), StepError> {
    let how = presented(how);
    needs(
        world,
        match how {
            CardInterface::Magstripe => Interface::Stripe,
            CardInterface::Contact => Interface::Contact,
            CardInterface::Contactless => Interface::Contactless,
        },
    )?;
    let profile = card_on(world, card, how)?;
    let pin = profile.issuer.pin.clone();
    let mut data: Vec<(Answer, Datum)> = inputs.into_iter().map(|(a, d)| (a, Datum::Digits(d))).collect();
    let presentation = match how {
        CardInterface::Magstripe => Presentation::Swipe(profile),
        CardInterface::Contact => Presentation::Insert(profile),
        CardInterface::Contactless => Presentation::Tap(profile),
    };
    data.push((Answer::Card, Datum::Card(Box::new(presentation))));
    data.push((Answer::Pin, Datum::Digits(pin)));
    begin_lenient(world, name, data, &[Answer::Pin]).await?;
    world.card = Some(card.to_string());
    Ok(())
}
