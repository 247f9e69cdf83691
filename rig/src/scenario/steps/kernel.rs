//! The terminal's EMV kernel decisions, asserted from the evidence (the
//! APDUs it exchanged with the card and field 55 of its host requests;
//! `crate::decisions`), by the names the specifications give them. Each
//! step waits until the terminal is back at rest, then reads the last
//! transaction.

use super::*;
use crate::decisions::evidence::{Cryptogram, Evidence, ordinal};
use crate::decisions::names::{self, Bit};

/// The last transaction's evidence, once the terminal is idle again.
async fn evidence(world: &mut RigWorld) -> Result<Evidence, StepError> {
    idle(world).await?;
    Ok(Evidence::of(&world.bench()?.timeline.since(0)))
}

fn named_bits(table: &[Bit], groups: &[(&str, &[&str])], what: &str, name: &str) -> Result<Vec<Bit>, StepError> {
    names::lookup(table, groups, name).ok_or_else(|| {
        let known: Vec<&str> = table
            .iter()
            .map(|b| b.name)
            .chain(groups.iter().map(|g| g.0).filter(|g| g.is_ascii()))
            .collect();
        StepError::Mistake(format!(
            "{what} has no bit named {name:?}; its bits: \"{}\"",
            known.join("\", \"")
        ))
    })
}

/// The kernel's terminal verification results (95) or transaction status information (9B) have, or do not have, the named bit (EMV Book 3, Annex C5 / C6 names, or PBOC's Chinese ones); a group name ("offline data authentication failed") is any of its bits. Read from the last GENERATE AC's data, else field 55.
#[then(regex = r#"^the (TVR|TSI) (has|does not have) "([^"]+)"$"#)]
async fn tvr_tsi(world: &mut RigWorld, which: String, has: String, name: String) -> Result<(), StepError> {
    let (table, groups, tag): (&[Bit], names::Groups, &str) = if which == "TVR" {
        (names::TVR, names::TVR_GROUPS, crate::tags::TVR)
    } else {
        (names::TSI, &[], crate::tags::TSI)
    };
    let bits = named_bits(table, groups, &which, &name)?;
    let evidence = evidence(world).await?;
    let Some((value, from)) = evidence.terminal_object(tag) else {
        return Err(StepError::Expectation(format!(
            "the terminal sent no {which} ({tag}): neither in a GENERATE AC's data nor in field 55 of a host request"
        )));
    };
    let set = bits.iter().any(|b| value.get(b.byte).is_some_and(|v| v & b.mask != 0));
    let want = has == "has";
    if set == want {
        return Ok(());
    }
    let present = names::set_in(table, &value);
    let listed = if present.is_empty() {
        "no bit set".to_string()
    } else {
        format!("\"{}\"", present.join("\", \""))
    };
    Err(StepError::Expectation(format!(
        "the {which} ({tag} = {}, from {from}) {} {name:?}; its bits set: {listed}",
        hex::encode_upper(&value),
        if want { "does not have" } else { "has" },
    )))
}

/// The kernel's CVM results (9F34, field 55) name this method and result: "offline enciphered PIN, successful", "online PIN, unknown", "no CVM required, successful", "signature, unknown" (EMV Book 3, C3 and Book 4, A4; PBOC's Chinese names too).
#[then(regex = r#"^the CVM results say "([^"]+)"$"#)]
async fn cvm_results(world: &mut RigWorld, said: String) -> Result<(), StepError> {
    let Some((method, result)) = names::parse_cvm_results(&said) else {
        let methods: Vec<&str> = names::CVM_METHODS.iter().map(|m| m.1).collect();
        return Err(StepError::Mistake(format!(
            "{said:?} is not \"<method>, <result>\": methods \"{}\"; results \"unknown\", \"failed\", \"successful\"",
            methods.join("\", \"")
        )));
    };
    let evidence = evidence(world).await?;
    let Some((value, from)) = evidence.terminal_object(crate::tags::CVM_RESULTS) else {
        return Err(StepError::Expectation(
            "the terminal sent no CVM results (9F34): neither in a GENERATE AC's data nor in field 55 of a host request"
                .into(),
        ));
    };
    let got = (value.first().map(|m| m & 0x3F), value.get(2).copied());
    if got == (Some(method), Some(result)) {
        return Ok(());
    }
    Err(StepError::Expectation(format!(
        "the CVM results (9F34 = {}, from {from}) say \"{}\", expected {said:?}",
        hex::encode_upper(&value),
        names::cvm_results(&value)
    )))
}

/// Plays the scenario only on a terminal whose kernel performs (or does not perform) this cardholder verification method, as its profile's `capabilities.cvm` says (omitted: every one); elsewhere the scenario is skipped as not on this terminal. Names as in the CVM results: "signature", "offline enciphered PIN", "online PIN", "no CVM required".
#[given(regex = r#"^the terminal (performs|does not perform) the CVM "([^"]+)"$"#)]
async fn performs_cvm(world: &mut RigWorld, does: String, name: String) -> Result<(), StepError> {
    let Some(code) = names::cvm_method(&name) else {
        let methods: Vec<&str> = names::CVM_METHODS.iter().map(|m| m.1).collect();
        return Err(StepError::Mistake(format!(
            "{name:?} is not a CVM; methods \"{}\"",
            methods.join("\", \"")
        )));
    };
    let profile = world.bench()?.profile();
    let performs = profile.capabilities.performs_cvm(code);
    if performs == (does == "performs") {
        return Ok(());
    }
    Err(StepError::NotOnThisTerminal(format!(
        "{}'s kernel {} the CVM {name:?} (its profile's capabilities.cvm)",
        profile.model,
        if performs { "performs" } else { "does not perform" }
    )))
}

/// Plays the scenario only on a terminal whose EMV kernel can approve a chip sale offline (terminal type 22: the action codes decide between online and offline) or is online only (21), as its profile's `capabilities.terminal_type` says; elsewhere, and where the profile does not say, the scenario is skipped as not on this terminal.
#[given(regex = r#"^the terminal (can approve offline|is online only)$"#)]
async fn terminal_type(world: &mut RigWorld, which: String) -> Result<(), StepError> {
    use crate::config::capabilities::TerminalType;
    let profile = world.bench()?.profile();
    let wanted = if which == "is online only" {
        TerminalType::OnlineOnly
    } else {
        TerminalType::OfflineWithOnlineCapability
    };
    let has = match profile.capabilities.terminal_type {
        Some(has) if has == wanted => return Ok(()),
        Some(TerminalType::OnlineOnly) => "is online only",
        Some(TerminalType::OfflineWithOnlineCapability) => "can approve offline",
        None => "may or may not approve offline: its profile does not say",
    };
    Err(StepError::NotOnThisTerminal(format!(
        "{}'s kernel {has} (its profile's capabilities.terminal_type)",
        profile.model
    )))
}

/// The application the kernel chose and selected (its AID, hex: the last SELECT the card accepted before GET PROCESSING OPTIONS): the highest priority one, or the cardholder's choice.
#[then(regex = r#"^the terminal selected the application "([0-9A-Fa-f]{10,32})"$"#)]
async fn selected(world: &mut RigWorld, aid: String) -> Result<(), StepError> {
    let evidence = evidence(world).await?;
    let want = hex::decode(&aid).map_err(|e| StepError::Mistake(format!("{aid:?} is not an AID in hex: {e}")))?;
    match &evidence.selected {
        Some(got) if *got == want => Ok(()),
        Some(got) => Err(StepError::Expectation(format!(
            "the terminal selected the application {}, expected {}",
            hex::encode_upper(got),
            aid.to_uppercase()
        ))),
        None => Err(StepError::Expectation(
            "the terminal selected no application (no SELECT of an AID the card accepted before GET PROCESSING OPTIONS)"
                .into(),
        )),
    }
}

fn nth(which: &str) -> usize {
    if which == "second" { 1 } else { 0 }
}

/// What the terminal asked the card for at its first or second GENERATE AC (P1, EMV Book 3, Table 12): an ARQC to go online, a TC to approve offline, an AAC to decline.
#[then(regex = r"^the terminal asked for (an ARQC|a TC|an AAC) at the (first|second) GENERATE AC$")]
async fn asked_for(world: &mut RigWorld, cryptogram: String, which: String) -> Result<(), StepError> {
    let want = Cryptogram::named(&cryptogram);
    let evidence = evidence(world).await?;
    let n = nth(&which);
    match evidence.generate_acs.get(n) {
        Some(ac) if ac.asked == want => Ok(()),
        Some(ac) => Err(StepError::Expectation(format!(
            "the terminal asked for {} at the {which} GENERATE AC, expected {cryptogram}",
            ac.asked.map_or("an RFU type", Cryptogram::name)
        ))),
        None => Err(no_generate_ac(&evidence, n)),
    }
}

/// What the card answered at its first or second GENERATE AC (9F27); on a qPBOC tap, the cryptogram of the GPO counts as the first.
#[then(regex = r"^the card answered (an ARQC|a TC|an AAC) at the (first|second) GENERATE AC$")]
async fn answered(world: &mut RigWorld, cryptogram: String, which: String) -> Result<(), StepError> {
    let want = Cryptogram::named(&cryptogram);
    let evidence = evidence(world).await?;
    let n = nth(&which);
    let got = match (evidence.generate_acs.get(n), evidence.contactless) {
        (Some(ac), _) => ac.answered,
        (None, Some(tap)) if n == 0 => Some(tap),
        _ => return Err(no_generate_ac(&evidence, n)),
    };
    if got == want {
        return Ok(());
    }
    Err(StepError::Expectation(format!(
        "the card answered {} at the {which} GENERATE AC, expected {cryptogram}",
        got.map_or("no cryptogram (an error status)", Cryptogram::name)
    )))
}

/// The kernel ended the transaction before any GENERATE AC (mandatory card data missing, the card refused a command): the card gave no cryptogram.
#[then(regex = r"^the terminal sent no GENERATE AC$")]
async fn no_generate_ac_sent(world: &mut RigWorld) -> Result<(), StepError> {
    let evidence = evidence(world).await?;
    match evidence.generate_acs.first() {
        None => Ok(()),
        Some(ac) => Err(StepError::Expectation(format!(
            "the terminal sent {} GENERATE AC (the first asked for {})",
            evidence.generate_acs.len(),
            ac.asked.map_or("an RFU type", Cryptogram::name)
        ))),
    }
}

fn no_generate_ac(evidence: &Evidence, n: usize) -> StepError {
    StepError::Expectation(format!(
        "the terminal sent no {} GENERATE AC in the last transaction ({} sent)",
        ordinal(n),
        evidence.generate_acs.len()
    ))
}

/// The kernel performed dynamic data authentication: DDA (an INTERNAL AUTHENTICATE the card answered) or CDA (a GENERATE AC that asked for a CDA signature, EMV Book 2, 6.6).
#[then(regex = r"^the terminal performed (DDA|CDA)$")]
async fn performed(world: &mut RigWorld, what: String) -> Result<(), StepError> {
    let evidence = evidence(world).await?;
    let done = if what == "DDA" {
        evidence.internal_authenticate
    } else {
        evidence.generate_acs.iter().any(|ac| ac.cda)
    };
    if done {
        return Ok(());
    }
    Err(StepError::Expectation(if what == "DDA" {
        "the terminal sent no INTERNAL AUTHENTICATE the card answered: no DDA".to_string()
    } else {
        "no GENERATE AC asked for a CDA signature (P1 bit 5): no CDA".to_string()
    }))
}

/// The kernel verified the PIN offline with the card (VERIFY, P2 80 plaintext or 88 enciphered: EMV Book 3, 6.5.12).
#[then(regex = r"^the terminal verified the PIN offline (in plaintext|enciphered)$")]
async fn offline_pin(world: &mut RigWorld, how: String) -> Result<(), StepError> {
    let want = if how == "enciphered" { 0x88 } else { 0x80 };
    let evidence = evidence(world).await?;
    if evidence.offline_pins.contains(&want) {
        return Ok(());
    }
    let sent: Vec<String> = evidence
        .offline_pins
        .iter()
        .map(|p| format!("VERIFY P2 {p:02X}"))
        .collect();
    Err(StepError::Expectation(format!(
        "the terminal verified no PIN offline {how} (VERIFY P2 {want:02X}); it sent {}",
        if sent.is_empty() {
            "no VERIFY".to_string()
        } else {
            sent.join(", ")
        }
    )))
}
