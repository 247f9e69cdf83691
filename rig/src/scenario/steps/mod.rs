//! The step library. Steps act through bench verbs and await events on the
//! timeline with deadlines; what is terminal-specific comes from the profile.
//! Chinese steps (`# language: zh-CN`) call the same functions. One file
//! per domain; the helpers here (getting to a prompt, keying digits, a
//! whole card flow) are what several domains share.

use super::world::{RigWorld, StepError};
use crate::bench::strategy::TerminalState;
use crate::card::{EmvCard, Field};
use crate::config::capabilities::Interface;
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
    start_menu_amount(world, "sale", amount, "card").await
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

/// Opens menu `menu`, keys the amount and waits for the prompt `then`.
async fn start_menu_amount(world: &mut RigWorld, menu: &str, amount: Yuan, then: &str) -> Result<(), StepError> {
    let menu = transaction_keys(world, menu)?;
    let bench = world.bench()?;
    let prompt_ms = ms(bench.profile().timeouts.prompt_ms);
    let from = bench.timeline.now();
    keys(world, &menu).await?;
    let bench = world.bench()?;
    let (_, at) = bench.await_prompt(from, "amount", prompt_ms).await?;
    // The cashier keys the amount in fen: 100.00 is 1 0 0 0 0.
    let mut typed: Vec<String> = bench.profile().amount_keys(&amount.keyed());
    typed.push(bench.profile().keys.enter.clone());
    keys(world, &typed).await?;
    let bench = world.bench()?;
    bench.await_prompt(at, then, prompt_ms).await?;
    world.mark = from;
    Ok(())
}

async fn swipe(world: &mut RigWorld, card: &str) -> Result<(), StepError> {
    needs(world, Interface::Stripe)?;
    let bench = world.bench()?;
    let profile = bench.plan.card(card)?.clone();
    bench.swipe(&profile).await?;
    world.card = Some(card.to_string());
    Ok(())
}

async fn insert(world: &mut RigWorld, card: &str) -> Result<(), StepError> {
    needs(world, Interface::Contact)?;
    let profile = world.bench()?.plan.card(card)?.clone();
    let bench = world.bench_mut()?;
    let from = bench.timeline.now();
    bench.insert(EmvCard::new(profile, Field::Contact)).await?;
    bench
        .await_prompt(from, "reading", ms(bench.profile().timeouts.prompt_ms))
        .await?;
    world.card = Some(card.to_string());
    Ok(())
}

/// A tap: into the field until the terminal says the card was read, then away.
async fn tap(world: &mut RigWorld, card: &str) -> Result<(), StepError> {
    needs(world, Interface::Contactless)?;
    let profile = world.bench()?.plan.card(card)?.clone();
    let bench = world.bench_mut()?;
    let from = bench.timeline.now();
    bench.bring_to_field(EmvCard::new(profile, Field::Contactless)).await?;
    let read = bench
        .await_prompt(from, "card_read", ms(bench.profile().timeouts.prompt_ms))
        .await;
    bench.remove_card();
    read?;
    world.card = Some(card.to_string());
    Ok(())
}

async fn enter_pin(world: &mut RigWorld, pin: &str) -> Result<(), StepError> {
    let bench = world.bench()?;
    // Chip reading comes first: type only once the terminal asks.
    bench
        .await_current_prompt("pin", ms(bench.profile().timeouts.online_ms))
        .await?;
    let mut typed: Vec<String> = pin.chars().map(|d| bench.profile().digit_key(d)).collect();
    typed.push(bench.profile().keys.enter.clone());
    keys(world, &typed).await
}

async fn shows(world: &mut RigWorld, prompt: &str) -> Result<(), StepError> {
    let bench = world.bench()?;
    bench
        .await_prompt(world.mark, prompt, ms(bench.profile().timeouts.online_ms))
        .await?;
    Ok(())
}

async fn shows_text(world: &mut RigWorld, text: &str) -> Result<(), StepError> {
    shown_since_mark(world, &format!("display containing {text:?}"), |t| t.contains(text)).await
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
    // The transaction began just before its first key at `mark`, on the idle
    // screen; it is over when the terminal is back there.
    let bench = world.bench()?;
    bench
        .await_prompt(world.mark, "idle", ms(bench.profile().timeouts.online_ms))
        .await?;
    Ok(())
}

async fn host_answered(world: &mut RigWorld, code: &ResponseCode) -> Result<(), StepError> {
    let bench = world.bench()?;
    // The terminal back at idle without an answer: none will come now.
    let ended = bench.ended_by(None);
    let ((mti, answered), _) = bench
        .timeline
        .wait_until(
            world.mark,
            ms(bench.profile().timeouts.online_ms),
            "host answer to an authorisation",
            |e| match &e.kind {
                Kind::HostSent { mti, fields, .. } if mti == "0210" => Seen::Found((
                    mti.clone(),
                    fields
                        .iter()
                        .find(|(no, _)| *no == field::RESPONSE_CODE)
                        .map_or_else(|| ResponseCode::of(""), |(_, v)| ResponseCode::of(v)),
                )),
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

/// Presses the keys of menu `name` from the idle screen.
async fn menu(world: &mut RigWorld, name: &str) -> Result<crate::events::Cursor, StepError> {
    let keys_of = transaction_keys(world, name)?;
    idle(world).await?;
    let from = world.bench()?.timeline.now();
    keys(world, &keys_of).await?;
    world.mark = from;
    Ok(from)
}

async fn type_digits(world: &RigWorld, digits: &str) -> Result<(), StepError> {
    let bench = world.bench()?;
    let mut typed: Vec<String> = digits.chars().map(|d| bench.profile().digit_key(d)).collect();
    typed.push(bench.profile().keys.enter.clone());
    keys(world, &typed).await
}

/// Whether a host answer's fields say approved.
fn approved(fields: &[(u8, String)]) -> bool {
    fields
        .iter()
        .any(|(n, v)| *n == field::RESPONSE_CODE && ResponseCode::of(v).is_approval())
}

/// A field of the host's last approving answer to a `txn`.
fn last_approved(world: &RigWorld, txn: TxnKind, field: u8) -> Result<String, StepError> {
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

/// Menu `name`, then for each (prompt, digits) typing, then card and PIN.
async fn card_flow(world: &mut RigWorld, name: &str, inputs: &[(&str, String)], card: &str) -> Result<(), StepError> {
    let from = menu(world, name).await?;
    let mut at = from;
    for (prompt, digits) in inputs {
        let bench = world.bench()?;
        let (_, next) = bench
            .await_prompt(at, prompt, ms(bench.profile().timeouts.prompt_ms))
            .await?;
        at = next;
        if *prompt == "amount" {
            // An amount (in fen digits here) is keyed as the model keys amounts.
            let mut typed = world.bench()?.profile().amount_keys(digits);
            typed.push(world.bench()?.profile().keys.enter.clone());
            keys(world, &typed).await?;
        } else {
            type_digits(world, digits).await?;
        }
    }
    let bench = world.bench()?;
    bench
        .await_prompt(at, "card", ms(bench.profile().timeouts.prompt_ms))
        .await?;
    swipe(world, card).await?;
    let pin = world.bench()?.plan.card(card)?.issuer.pin.clone();
    enter_pin(world, &pin).await
}
