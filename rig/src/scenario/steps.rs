//! The step library. Steps act through bench verbs and await events on the
//! timeline with deadlines; what is terminal-specific comes from the profile.
//! Chinese steps (`# language: zh-CN`) call the same functions.

use super::world::{RigWorld, StepError};
use crate::card::{EmvCard, Field};
use crate::config::card::parse_yuan;
use crate::events::{Kind, Seen};
use crate::snapshot;
use cucumber::{given, then, when};
use std::time::Duration;

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

async fn terminal_ready(world: &mut RigWorld) -> Result<(), StepError> {
    let bench = world.bench_mut()?;
    let from = bench.timeline.now();
    bench.power_on().await?;
    signed_on_since(world, from).await
}

/// Waits for the sign-on after a boot that started at `from`, then the idle screen.
async fn signed_on_since(world: &mut RigWorld, from: crate::events::Cursor) -> Result<(), StepError> {
    let bench = world.bench()?;
    let t = &bench.profile().timeouts;
    let (boot, online) = (ms(t.boot_ms), ms(t.online_ms));
    let (_, after_sign_on) = bench.await_prompt(from, "signed_on", boot + online).await?;
    bench.await_prompt(after_sign_on, "idle", boot).await?;
    world.mark = bench.timeline.now();
    Ok(())
}

async fn start_sale(world: &mut RigWorld, amount: &str) -> Result<(), StepError> {
    start_menu_amount(world, "sale", amount, "card").await
}

/// Opens menu `menu`, keys the amount and waits for the prompt `then`.
async fn start_menu_amount(world: &mut RigWorld, menu: &str, amount: &str, then: &str) -> Result<(), StepError> {
    let fen =
        parse_yuan(amount).ok_or_else(|| StepError::Mistake(format!("amount {amount:?} is not yuan like 100.00")))?;
    let bench = world.bench()?;
    let profile = bench.profile();
    let menu = profile
        .menu(menu)
        .ok_or_else(|| StepError::Mistake(format!("the terminal profile has no [menus] {menu}")))?
        .to_vec();
    let prompt_ms = ms(profile.timeouts.prompt_ms);
    let from = bench.timeline.now();
    keys(world, &menu).await?;
    let bench = world.bench()?;
    let (_, at) = bench.await_prompt(from, "amount", prompt_ms).await?;
    // The cashier keys the amount in fen: 100.00 is 1 0 0 0 0.
    let mut typed: Vec<String> = fen.to_string().chars().map(|d| bench.profile().digit_key(d)).collect();
    typed.push(bench.profile().keys.enter.clone());
    keys(world, &typed).await?;
    let bench = world.bench()?;
    bench.await_prompt(at, then, prompt_ms).await?;
    world.mark = from;
    Ok(())
}

async fn swipe(world: &mut RigWorld, card: &str) -> Result<(), StepError> {
    let bench = world.bench()?;
    let profile = bench.plan.card(card)?.clone();
    bench.swipe(&profile).await?;
    world.card = Some(card.to_string());
    Ok(())
}

async fn insert(world: &mut RigWorld, card: &str) -> Result<(), StepError> {
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
    let bench = world.bench()?;
    let what = format!("display containing {text:?}");
    bench
        .await_display(world.mark, &what, ms(bench.profile().timeouts.online_ms), |t| {
            t.contains(text)
        })
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

async fn receipt_snapshot(world: &mut RigWorld, name: &str) -> Result<(), StepError> {
    transaction_over(world).await?;
    let bench = world.bench()?;
    let receipts = snapshot::receipts(&bench.timeline.since(world.mark));
    if receipts.is_empty() {
        return Err(StepError::Expectation("the terminal printed no receipt".into()));
    }
    let feature = world.feature.clone().unwrap_or_default();
    snapshot::check(
        "receipt",
        name,
        &snapshot::receipts_for_snapshot(bench.profile(), &receipts),
        &feature,
    )?;
    Ok(())
}

async fn no_receipt(world: &mut RigWorld) -> Result<(), StepError> {
    transaction_over(world).await?;
    let bench = world.bench()?;
    let receipts = snapshot::receipts(&bench.timeline.since(world.mark));
    if let Some(first) = receipts.first() {
        return Err(StepError::Expectation(format!(
            "the terminal printed {} receipt(s); the first:\n{first}",
            receipts.len()
        )));
    }
    Ok(())
}

async fn host_snapshot(world: &mut RigWorld, name: &str) -> Result<(), StepError> {
    transaction_over(world).await?;
    let bench = world.bench()?;
    // Snapshots are committed: masked whatever the run's evidence.
    let host = crate::mask::HostFields::of(&bench.plan.dialect);
    let mut masker = crate::mask::Masker::always(host.clone(), Some(bench.profile()));
    let masked: Vec<_> = bench.timeline.since(0).iter().map(|e| masker.event(e)).collect();
    let yaml = snapshot::host_messages_yaml(&masked, true, &host);
    let feature = world.feature.clone().unwrap_or_default();
    snapshot::check("host messages", name, &yaml, &feature)?;
    Ok(())
}

async fn host_answered(world: &mut RigWorld, code: &str) -> Result<(), StepError> {
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
                        .find(|(no, _)| *no == 39)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default(),
                )),
                _ => ended(e).map_or(Seen::Pending, Seen::Ended),
            },
        )
        .await
        .map_err(crate::bench::BenchError::from)?;
    if answered != code {
        return Err(StepError::Expectation(format!(
            "the host answered {mti} with response code {answered}, expected {code}"
        )));
    }
    Ok(())
}

#[given(regex = r"^the terminal is (?:on|powered on) and signed on$")]
async fn given_ready(world: &mut RigWorld) -> Result<(), StepError> {
    terminal_ready(world).await
}

#[when(regex = r"^the cashier starts a sale of (\d+\.\d{2}) yuan$")]
async fn when_sale(world: &mut RigWorld, amount: String) -> Result<(), StepError> {
    start_sale(world, &amount).await
}

#[when(regex = r#"^the cardholder swipes the card "([^"]+)"$"#)]
async fn when_swipe(world: &mut RigWorld, card: String) -> Result<(), StepError> {
    swipe(world, &card).await
}

#[when(regex = r"^the cashier starts a payment-code sale of (\d+\.\d{2}) yuan$")]
async fn when_qr_sale(world: &mut RigWorld, amount: String) -> Result<(), StepError> {
    start_menu_amount(world, "qr_sale", &amount, "show_code").await
}

#[when(regex = r"^the cashier shows a payment QR code for (\d+\.\d{2}) yuan$")]
async fn when_qr_order(world: &mut RigWorld, amount: String) -> Result<(), StepError> {
    start_menu_amount(world, "qr_order", &amount, "show_qr").await
}

#[when(regex = r"^the customer scans it and pays in the wallet$")]
async fn when_customer_pays(world: &mut RigWorld) -> Result<(), StepError> {
    if !world.bench()?.host.customer_pays_order() {
        return Err(StepError::Expectation("the host has no open order to pay".into()));
    }
    Ok(())
}

#[when(regex = r#"^the customer presents the payment code of "([^"]+)"$"#)]
async fn when_present_code(world: &mut RigWorld, wallet: String) -> Result<(), StepError> {
    let bench = world.bench()?;
    let profile = bench.plan.card(&wallet)?;
    let code = profile.payment_code.clone().ok_or_else(|| {
        StepError::Expectation(format!(
            "card profile {wallet:?} has no payment_code (kind = \"payment-code\")"
        ))
    })?;
    bench.present_code(&code).await?;
    world.card = Some(wallet);
    Ok(())
}

#[given(regex = r"^the customer is still paying for the first (\d+) quer(?:y|ies)$")]
async fn given_customer_paying(world: &mut RigWorld, n: String) -> Result<(), StepError> {
    let polls = n
        .parse()
        .map_err(|_| StepError::Mistake(format!("{n} is not a number")))?;
    world.bench()?.host.qr_pending_for(polls);
    Ok(())
}

#[when(regex = r#"^the cardholder inserts the card "([^"]+)"$"#)]
async fn when_insert(world: &mut RigWorld, card: String) -> Result<(), StepError> {
    insert(world, &card).await
}

#[when(regex = r#"^the cardholder taps the (?:card|phone) "([^"]+)"$"#)]
async fn when_tap(world: &mut RigWorld, card: String) -> Result<(), StepError> {
    tap(world, &card).await
}

#[when(regex = r"^the cashier opens the sale and waits for the (amount|card|pin) prompt$")]
async fn when_open_sale_until(world: &mut RigWorld, prompt: String) -> Result<(), StepError> {
    match prompt.as_str() {
        "amount" => {
            let from = menu(world, "sale").await?;
            let bench = world.bench()?;
            bench
                .await_prompt(from, "amount", ms(bench.profile().timeouts.prompt_ms))
                .await?;
        }
        "card" => start_sale(world, "1.00").await?,
        _ => {
            start_sale(world, "1.00").await?;
            swipe(world, "unionpay-debit").await?;
            let bench = world.bench()?;
            bench
                .await_current_prompt("pin", ms(bench.profile().timeouts.prompt_ms))
                .await?;
        }
    }
    Ok(())
}

#[when(regex = r"^the (?:cashier|cardholder) presses cancel$")]
async fn when_cancel(world: &mut RigWorld) -> Result<(), StepError> {
    let bench = world.bench()?;
    let key = bench.profile().keys.cancel.clone();
    bench.press(&key).await?;
    Ok(())
}

#[when(regex = r"^收银员按取消键$")]
async fn zh_cancel(world: &mut RigWorld) -> Result<(), StepError> {
    when_cancel(world).await
}

#[when(regex = r"^the cardholder removes the card$")]
async fn when_remove(world: &mut RigWorld) -> Result<(), StepError> {
    world.bench_mut()?.remove_card();
    Ok(())
}

#[when(regex = r"^the cardholder chooses application (\d)$")]
async fn when_choose(world: &mut RigWorld, n: String) -> Result<(), StepError> {
    let bench = world.bench()?;
    bench
        .await_current_prompt("choose_application", ms(bench.profile().timeouts.prompt_ms))
        .await?;
    let key = bench.profile().digit_key(n.chars().next().unwrap_or('1'));
    bench.press(&key).await?;
    Ok(())
}

#[when(regex = r#"^the cardholder enters the PIN "(\d*)"$"#)]
async fn when_pin(world: &mut RigWorld, pin: String) -> Result<(), StepError> {
    enter_pin(world, &pin).await
}

#[when(regex = r"^the cardholder enters the card's PIN$")]
async fn when_card_pin(world: &mut RigWorld) -> Result<(), StepError> {
    let name = world
        .card
        .clone()
        .ok_or_else(|| StepError::Mistake("no card was presented yet".into()))?;
    let pin = world.bench()?.plan.card(&name)?.issuer.pin.clone();
    enter_pin(world, &pin).await
}

#[when(regex = r#"^the cashier makes a sale of (\d+\.\d{2}) yuan with the card "([^"]+)" and its PIN$"#)]
async fn when_whole_sale(world: &mut RigWorld, amount: String, card: String) -> Result<(), StepError> {
    // After an earlier transaction: start from the idle screen.
    let bench = world.bench()?;
    let idle_wait = ms(bench.profile().timeouts.online_ms);
    bench.await_current_prompt("idle", idle_wait).await?;
    start_sale(world, &amount).await?;
    swipe(world, &card).await?;
    let pin = world.bench()?.plan.card(&card)?.issuer.pin.clone();
    enter_pin(world, &pin).await
}

#[given(regex = r#"^the terminal is flashed with "([^"]+)"$"#)]
async fn given_flashed(world: &mut RigWorld, image: String) -> Result<(), StepError> {
    flash(world, &image).await
}

#[when(regex = r#"^the terminal is flashed with "([^"]+)"$"#)]
async fn when_flashed(world: &mut RigWorld, image: String) -> Result<(), StepError> {
    flash(world, &image).await
}

async fn flash(world: &mut RigWorld, image: &str) -> Result<(), StepError> {
    let bench = world.bench_mut()?;
    let dir = bench.firmware_dir()?;
    let from = bench.timeline.now();
    let powered = bench.is_on();
    bench.flash(&dir.join(image)).await?;
    if powered {
        signed_on_since(world, from).await
    } else {
        Ok(())
    }
}

/// Presses the keys of menu `name` from the idle screen.
async fn menu(world: &mut RigWorld, name: &str) -> Result<crate::events::Cursor, StepError> {
    let bench = world.bench()?;
    bench
        .await_current_prompt("idle", ms(bench.profile().timeouts.online_ms))
        .await?;
    let keys_of = bench
        .profile()
        .menu(name)
        .ok_or_else(|| StepError::Mistake(format!("the terminal profile has no [menus] {name}")))?
        .to_vec();
    let from = bench.timeline.now();
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

#[when(regex = r#"^the cashier asks for the balance of the card "([^"]+)"$"#)]
async fn when_balance(world: &mut RigWorld, card: String) -> Result<(), StepError> {
    let from = menu(world, "balance").await?;
    let bench = world.bench()?;
    bench
        .await_prompt(from, "card", ms(bench.profile().timeouts.prompt_ms))
        .await?;
    swipe(world, &card).await?;
    let pin = world.bench()?.plan.card(&card)?.issuer.pin.clone();
    enter_pin(world, &pin).await
}

/// A field of the host's last approving answer to a `txn`.
fn last_approved(world: &RigWorld, txn: &str, field: u8) -> Result<String, StepError> {
    world
        .bench()?
        .timeline
        .since(0)
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            Kind::HostSent { txn: t, fields, .. } if t == txn && fields.iter().any(|(n, v)| *n == 39 && v == "00") => {
                fields
                    .iter()
                    .find(|(n, _)| *n == field)
                    .map(|(_, v)| v.trim().to_string())
            }
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
        type_digits(world, digits).await?;
    }
    let bench = world.bench()?;
    bench
        .await_prompt(at, "card", ms(bench.profile().timeouts.prompt_ms))
        .await?;
    swipe(world, card).await?;
    let pin = world.bench()?.plan.card(card)?.issuer.pin.clone();
    enter_pin(world, &pin).await
}

fn fen_digits(amount: &str) -> Result<String, StepError> {
    parse_yuan(amount)
        .map(|f| f.to_string())
        .ok_or_else(|| StepError::Mistake(format!("{amount} is not yuan like 1.00")))
}

#[when(regex = r#"^the cashier makes a pre-authorisation of (\d+\.\d{2}) yuan with the card "([^"]+)" and its PIN$"#)]
async fn when_preauth(world: &mut RigWorld, amount: String, card: String) -> Result<(), StepError> {
    card_flow(world, "preauth", &[("amount", fen_digits(&amount)?)], &card).await
}

#[when(
    regex = r#"^the cashier completes the last pre-authorisation with (\d+\.\d{2}) yuan with the card "([^"]+)" and its PIN$"#
)]
async fn when_completion(world: &mut RigWorld, amount: String, card: String) -> Result<(), StepError> {
    let auth = last_approved(world, "pre-auth", 38)?;
    card_flow(
        world,
        "completion",
        &[("auth_code", auth), ("amount", fen_digits(&amount)?)],
        &card,
    )
    .await
}

#[when(regex = r#"^the cashier cancels the last pre-authorisation with the card "([^"]+)" and its PIN$"#)]
async fn when_preauth_cancel(world: &mut RigWorld, card: String) -> Result<(), StepError> {
    let auth = last_approved(world, "pre-auth", 38)?;
    let amount = last_approved(world, "pre-auth", 4)?.trim_start_matches('0').to_string();
    card_flow(
        world,
        "preauth_cancel",
        &[("auth_code", auth), ("amount", amount)],
        &card,
    )
    .await
}

#[when(regex = r#"^the cashier voids the last completion with the card "([^"]+)" and its PIN$"#)]
async fn when_completion_void(world: &mut RigWorld, card: String) -> Result<(), StepError> {
    let voucher = last_approved(world, "completion", 11)?;
    card_flow(world, "completion_void", &[("voucher", voucher)], &card).await
}

#[when(regex = r#"^the cashier refunds (\d+\.\d{2}) yuan of the last sale with the card "([^"]+)" and its PIN$"#)]
async fn when_refund(world: &mut RigWorld, amount: String, card: String) -> Result<(), StepError> {
    let rrn = last_approved(world, "sale", 37)?;
    let date = last_approved(world, "sale", 13)?;
    card_flow(
        world,
        "refund",
        &[
            ("original_rrn", rrn),
            ("original_date", date),
            ("amount", fen_digits(&amount)?),
        ],
        &card,
    )
    .await
}

#[when(regex = r#"^the cashier voids the last sale with the card "([^"]+)"$"#)]
async fn when_void(world: &mut RigWorld, card: String) -> Result<(), StepError> {
    // The voucher number of the last sale the host approved (it is on that receipt).
    let voucher = last_approved(world, "sale", 11)?;
    let from = menu(world, "void").await?;
    let bench = world.bench()?;
    bench
        .await_prompt(from, "voucher", ms(bench.profile().timeouts.prompt_ms))
        .await?;
    type_digits(world, &voucher).await?;
    let bench = world.bench()?;
    bench
        .await_prompt(from, "card", ms(bench.profile().timeouts.prompt_ms))
        .await?;
    swipe(world, &card).await?;
    let pin = world.bench()?.plan.card(&card)?.issuer.pin.clone();
    enter_pin(world, &pin).await
}

#[when(regex = r"^the cashier settles the batch$")]
async fn when_settle(world: &mut RigWorld) -> Result<(), StepError> {
    let from = menu(world, "settlement").await?;
    let bench = world.bench()?;
    bench
        .await_prompt(from, "settled", ms(bench.profile().timeouts.online_ms))
        .await?;
    Ok(())
}

#[when(regex = r"^the cashier reprints the last receipt$")]
async fn when_reprint(world: &mut RigWorld) -> Result<(), StepError> {
    let from = menu(world, "reprint").await?;
    let bench = world.bench()?;
    bench
        .await_prompt(from, "reprinted", ms(bench.profile().timeouts.prompt_ms))
        .await?;
    Ok(())
}

#[when(regex = r"^the cashier reprints the receipt of the first sale$")]
async fn when_reprint_first(world: &mut RigWorld) -> Result<(), StepError> {
    let first = world
        .bench()?
        .timeline
        .since(0)
        .iter()
        .find_map(|e| match &e.kind {
            Kind::HostSent { txn, fields, .. }
                if txn == "sale" && fields.iter().any(|(n, v)| *n == 39 && v == "00") =>
            {
                fields.iter().find(|(n, _)| *n == 11).map(|(_, v)| v.clone())
            }
            _ => None,
        })
        .ok_or_else(|| StepError::Expectation("the host approved no sale yet".into()))?;
    let from = menu(world, "reprint_voucher").await?;
    let bench = world.bench()?;
    bench
        .await_prompt(from, "voucher", ms(bench.profile().timeouts.prompt_ms))
        .await?;
    type_digits(world, &first).await?;
    let bench = world.bench()?;
    bench
        .await_prompt(from, "reprinted", ms(bench.profile().timeouts.prompt_ms))
        .await?;
    Ok(())
}

#[when(regex = r"^the cashier runs the (echo test|parameter download|CAPK download)$")]
async fn when_management(world: &mut RigWorld, what: String) -> Result<(), StepError> {
    let name = match what.as_str() {
        "echo test" => "echo_test",
        "parameter download" => "parameter_download",
        _ => "capk_download",
    };
    let from = menu(world, name).await?;
    let bench = world.bench()?;
    bench
        .await_prompt(from, "idle", ms(bench.profile().timeouts.online_ms))
        .await?;
    Ok(())
}

#[given(regex = r"^the printer is out of paper$")]
async fn given_paper_out(world: &mut RigWorld) -> Result<(), StepError> {
    Ok(world.bench()?.paper(true)?)
}

#[when(regex = r"^paper is loaded$")]
async fn when_paper_loaded(world: &mut RigWorld) -> Result<(), StepError> {
    Ok(world.bench()?.paper(false)?)
}

fn ecr_protocol(world: &RigWorld) -> Result<crate::config::terminal::EcrProtocol, StepError> {
    world
        .bench()?
        .profile()
        .ecr
        .clone()
        .ok_or_else(|| StepError::Mistake("the terminal profile has no [ecr] section".into()))
}

/// Sends a request line from the cash register once the terminal is idle;
/// with `then`, waits for that prompt.
async fn ecr_request(world: &mut RigWorld, line: &str, then: Option<&str>) -> Result<(), StepError> {
    let bench = world.bench()?;
    bench
        .await_current_prompt("idle", ms(bench.profile().timeouts.online_ms))
        .await?;
    let from = bench.timeline.now();
    bench.cash_register(line)?;
    if let Some(prompt) = then {
        bench
            .await_prompt(from, prompt, ms(bench.profile().timeouts.prompt_ms))
            .await?;
    }
    world.mark = from;
    Ok(())
}

#[when(regex = r"^the cash register requests a sale of (\d+\.\d{2}) yuan$")]
async fn when_ecr_sale(world: &mut RigWorld, amount: String) -> Result<(), StepError> {
    let fen = parse_yuan(&amount).ok_or_else(|| StepError::Mistake(format!("{amount} is not yuan")))?;
    let line = ecr_protocol(world)?.sale.replace("{fen12}", &format!("{fen:012}"));
    ecr_request(world, &line, Some("card")).await
}

#[when(regex = r"^the cash register requests a void of the last sale$")]
async fn when_ecr_void(world: &mut RigWorld) -> Result<(), StepError> {
    let voucher = last_approved(world, "sale", 11)?;
    let line = ecr_protocol(world)?.void.replace("{voucher}", &voucher);
    ecr_request(world, &line, Some("card")).await
}

#[when(regex = r"^the cash register requests settlement$")]
async fn when_ecr_settle(world: &mut RigWorld) -> Result<(), StepError> {
    let line = ecr_protocol(world)?.settle;
    ecr_request(world, &line, None).await
}

#[then(regex = r#"^the cash register receives the result "([0-9A-Z]{2})"$"#)]
async fn then_ecr_result(world: &mut RigWorld, code: String) -> Result<(), StepError> {
    let protocol = ecr_protocol(world)?;
    let bench = world.bench()?;
    let (got, _) = bench
        .timeline
        .wait_for(
            world.mark,
            ms(bench.profile().timeouts.online_ms),
            "a result line on the cash register",
            |e| match &e.kind {
                Kind::EcrReceived { line } => protocol.result.captures(line).map(|c| c["code"].to_string()),
                _ => None,
            },
        )
        .await
        .map_err(crate::bench::BenchError::from)?;
    if got != code {
        return Err(StepError::Expectation(format!(
            "the cash register received result {got}, expected {code}"
        )));
    }
    Ok(())
}

#[then(regex = r#"^the last receipt reads "([^"]+)"$"#)]
async fn then_last_receipt_reads(world: &mut RigWorld, text: String) -> Result<(), StepError> {
    // The slip may still be printing: read it once the transaction is over.
    transaction_over(world).await?;
    let receipts = snapshot::receipts(&world.bench()?.timeline.since(world.mark));
    match receipts.last() {
        Some(r) if r.contains(&text) => Ok(()),
        Some(r) => Err(StepError::Expectation(format!(
            "the last receipt does not read {text:?}:\n{r}"
        ))),
        None => Err(StepError::Expectation("nothing was printed".into())),
    }
}

#[then(regex = r#"^the terminal runs firmware "([^"]+)"$"#)]
async fn then_runs_firmware(world: &mut RigWorld, version: String) -> Result<(), StepError> {
    let running = world
        .bench()?
        .timeline
        .since(0)
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            Kind::Boot { version, .. } => Some(version.clone()),
            _ => None,
        });
    match running {
        Some(v) if v == version => Ok(()),
        Some(v) => Err(StepError::Expectation(format!(
            "the boot banner shows firmware {v}, expected {version}"
        ))),
        None => Err(StepError::Expectation("the terminal has not booted".into())),
    }
}

#[then(regex = r#"^the receipt differs from the snapshot "([\w.-]+)"$"#)]
async fn then_receipt_differs(world: &mut RigWorld, name: String) -> Result<(), StepError> {
    transaction_over(world).await?;
    let bench = world.bench()?;
    let receipts = snapshot::receipts(&bench.timeline.since(world.mark));
    let now = snapshot::receipts_for_snapshot(bench.profile(), &receipts);
    let feature = world.feature.clone().unwrap_or_default();
    match snapshot::stored(&name, &feature) {
        Some(stored) if stored != now => Ok(()),
        Some(_) => Err(StepError::Expectation(format!(
            "the receipt still matches the snapshot {name:?}"
        ))),
        None => Err(StepError::Expectation(format!(
            "no stored snapshot {name:?} to differ from"
        ))),
    }
}

#[when(regex = r"^the power fails once the host has received the sale$")]
async fn when_power_fails(world: &mut RigWorld) -> Result<(), StepError> {
    let bench = world.bench()?;
    bench
        .timeline
        .wait_for(
            world.mark,
            ms(bench.profile().timeouts.online_ms),
            "the sale at the host",
            |e| match &e.kind {
                Kind::HostReceived { txn, .. } if txn == "sale" => Some(()),
                _ => None,
            },
        )
        .await
        .map_err(crate::bench::BenchError::from)?;
    // Pulled plug: no goodbye, whatever the terminal was doing.
    world.bench_mut()?.power_off().await;
    Ok(())
}

#[when(regex = r"^the power comes back$")]
async fn when_power_back(world: &mut RigWorld) -> Result<(), StepError> {
    // The interrupted transaction stays the one later steps look at.
    let mark = world.mark;
    terminal_ready(world).await?;
    world.mark = mark;
    Ok(())
}

#[then(regex = r#"^the terminal shows "([a-z_]+)"$"#)]
async fn then_shows(world: &mut RigWorld, prompt: String) -> Result<(), StepError> {
    shows(world, &prompt).await
}

#[then(regex = r#"^the display reads "([^"]+)"$"#)]
async fn then_display_text(world: &mut RigWorld, text: String) -> Result<(), StepError> {
    shows_text(world, &text).await
}

#[then(regex = r#"^the host answered "([0-9A-Z]{2})"$"#)]
async fn then_host_answered(world: &mut RigWorld, code: String) -> Result<(), StepError> {
    host_answered(world, &code).await
}

#[then(regex = r#"^the receipt matches the snapshot "([\w.-]+)"$"#)]
async fn then_receipt(world: &mut RigWorld, name: String) -> Result<(), StepError> {
    receipt_snapshot(world, &name).await
}

#[then(regex = r"^no receipt is printed$")]
async fn then_no_receipt(world: &mut RigWorld) -> Result<(), StepError> {
    no_receipt(world).await
}

#[then(regex = r#"^the host messages match the snapshot "([\w.-]+)"$"#)]
async fn then_host_messages(world: &mut RigWorld, name: String) -> Result<(), StepError> {
    host_snapshot(world, &name).await
}

// 中文步骤 (# language: zh-CN)

#[given(regex = r"^终端已开机并签到$")]
async fn zh_ready(world: &mut RigWorld) -> Result<(), StepError> {
    terminal_ready(world).await
}

#[when(regex = r"^收银员发起一笔 (\d+\.\d{2}) 元的消费$")]
async fn zh_sale(world: &mut RigWorld, amount: String) -> Result<(), StepError> {
    start_sale(world, &amount).await
}

#[when(regex = r#"^持卡人刷卡 "([^"]+)"$"#)]
async fn zh_swipe(world: &mut RigWorld, card: String) -> Result<(), StepError> {
    swipe(world, &card).await
}

#[when(regex = r#"^持卡人插卡 "([^"]+)"$"#)]
async fn zh_insert(world: &mut RigWorld, card: String) -> Result<(), StepError> {
    insert(world, &card).await
}

#[when(regex = r#"^持卡人挥卡 "([^"]+)"$"#)]
async fn zh_tap(world: &mut RigWorld, card: String) -> Result<(), StepError> {
    tap(world, &card).await
}

#[when(regex = r#"^持卡人输入密码 "(\d*)"$"#)]
async fn zh_pin(world: &mut RigWorld, pin: String) -> Result<(), StepError> {
    enter_pin(world, &pin).await
}

#[then(regex = r#"^终端显示 "([^"]+)"$"#)]
async fn zh_display(world: &mut RigWorld, text: String) -> Result<(), StepError> {
    shows_text(world, &text).await
}

#[then(regex = r#"^主机应答码为 "([0-9A-Z]{2})"$"#)]
async fn zh_host_answered(world: &mut RigWorld, code: String) -> Result<(), StepError> {
    host_answered(world, &code).await
}

#[then(regex = r"^不打印签购单$")]
async fn zh_no_receipt(world: &mut RigWorld) -> Result<(), StepError> {
    no_receipt(world).await
}

#[then(regex = r#"^签购单与快照 "([\w.-]+)" 一致$"#)]
async fn zh_receipt(world: &mut RigWorld, name: String) -> Result<(), StepError> {
    receipt_snapshot(world, &name).await
}
