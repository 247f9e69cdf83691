//! One line per event: what a developer reads first. Host messages and
//! APDUs are decoded in one line each (MTI, transaction, response code;
//! command name and status word).

use super::Recorded;
use serde_json::Value;

/// The event as one line of text, or None for what only adds noise (a key's
/// release: its press is shown).
pub fn describe(e: &Recorded) -> Option<String> {
    let s = |k: &str| e.str(k).to_string();
    Some(match e.kind.as_str() {
        "step-started" => format!("▶ {}", s("text")),
        "step-finished" => {
            let mark = if e.str("status") == "passed" { "✔" } else { "✘" };
            let mut line = format!(
                "{mark} {} ({} ms)",
                s("text"),
                e.event.get("duration_ms").and_then(Value::as_u64).unwrap_or(0)
            );
            if let Some(first) = e.str("error").lines().next().filter(|l| !l.is_empty()) {
                line.push_str(&format!(": {first}"));
            }
            line
        }
        "step" => format!("note: {}", s("text")),
        "power-on" => "power on".into(),
        "power-off" => format!("power off ({})", s("exit")),
        "boot" => format!("boot: firmware {}", s("version")),
        "boot-failure" => format!("boot refused: {}", s("reason")),
        "display" => format!("display: {}", s("text")),
        "print" => format!("print: {}", s("text")),
        "cut" => "print: -- cut --".into(),
        "console-line" => format!("log: {}", s("line")),
        "key-press" => format!("key {}", s("key")),
        "key-release" => return None,
        "swipe" => format!("swipe: track 2 {}", s("track2")),
        "card-inserted" => format!("card in, ATR {}", s("atr")),
        "card-removed" => "card out".into(),
        "ecr-sent" => format!("cash register -> {}", s("line")),
        "ecr-received" => format!("cash register <- {}", s("line")),
        "code-shown" => format!("payment code shown: {}", s("code")),
        "apdu" => apdu(e.str("command"), e.str("response")),
        "host-received" => format!("terminal -> host {}", host(e)),
        "host-sent" => format!("host -> terminal {}", host(e)),
        "host-withheld" => format!("host withheld (never sent: {}) {}", s("why"), host(e)),
        "host-error" => format!("host: {}", s("error")),
        "port-lost" => format!("port {} lost: {}", s("port"), s("error")),
        "port-back" => format!(
            "port {} back after {} ms",
            s("port"),
            e.event.get("gap_ms").and_then(Value::as_u64).unwrap_or(0)
        ),
        "port-gone" => format!("port {} gone", s("port")),
        "flash" => format!("flash {}: {}", s("stage"), s("detail")),
        other => format!("{other}: {}", e.event),
    })
}

/// A host message's fields as (number, value).
pub fn fields(e: &Recorded) -> Vec<(u64, String)> {
    e.event
        .get("fields")
        .and_then(Value::as_array)
        .map(|fs| {
            fs.iter()
                .filter_map(|f| Some((f.get(0)?.as_u64()?, f.get(1)?.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn host(e: &Recorded) -> String {
    let fields = fields(e);
    let field = |n: u64| fields.iter().find(|(k, _)| *k == n).map(|(_, v)| v.trim().to_string());
    let mut line = format!("{} {}", e.str("mti"), e.str("txn"));
    if let Some(amount) = field(4).and_then(|a| a.parse::<u64>().ok()) {
        line.push_str(&format!(" {}.{:02} yuan", amount / 100, amount % 100));
    }
    if let Some(stan) = field(11) {
        line.push_str(&format!(" stan {stan}"));
    }
    if let Some(code) = field(39) {
        line.push_str(&format!(" rc {code}"));
    }
    if let Some(f55) = field(55).and_then(|h| hex::decode(h).ok()) {
        line.push_str(&kernel_decisions(&crate::emv::parse_tlv(&f55)));
    }
    line
}

/// The kernel's decisions a field 55 carries, by name: TVR, TSI, CVM results.
fn kernel_decisions(f55: &std::collections::BTreeMap<String, Vec<u8>>) -> String {
    use crate::decisions::names;
    let mut out = String::new();
    for (tag, what, table) in [("95", "TVR", names::TVR), ("9B", "TSI", names::TSI)] {
        if let Some(v) = f55.get(tag) {
            let set = names::set_in(table, v);
            let set = if set.is_empty() {
                "none".to_string()
            } else {
                set.join(", ")
            };
            out.push_str(&format!(" · {what}: {set}"));
        }
    }
    if let Some(v) = f55.get("9F34") {
        out.push_str(&format!(" · CVM results: {}", names::cvm_results(v)));
    }
    out
}

fn apdu(command: &str, response: &str) -> String {
    let bytes = hex::decode(command).unwrap_or_default();
    let (cla, ins) = (bytes.first().copied().unwrap_or(0), bytes.get(1).copied().unwrap_or(0));
    let sw = response.get(response.len().saturating_sub(4)..).unwrap_or("");
    let data = response.len().saturating_sub(4) / 2;
    let mut line = format!(
        "card: {} ({}) -> SW {sw}{}",
        crate::card::apdu::command_name(cla, ins),
        command.get(..8).unwrap_or(command),
        if data > 0 {
            format!(", {data} bytes")
        } else {
            String::new()
        }
    );
    // The cryptogram the terminal asks for (GENERATE AC's P1) and the one
    // the card gives (9F27, in whichever answer carries it: T=0 brings it
    // with GET RESPONSE).
    let cryptogram = |bits: u8| {
        crate::decisions::evidence::Cryptogram::of(bits)
            .map_or("an RFU type", crate::decisions::evidence::Cryptogram::name)
    };
    if ins == crate::instructions::GENERATE_AC {
        if let Some(p1) = bytes.get(2) {
            let cda = if p1 & 0x10 != 0 { " with CDA" } else { "" };
            line.push_str(&format!(" · asks for {}{cda}", cryptogram(*p1)));
        }
    }
    let answer = hex::decode(response.get(..response.len().saturating_sub(4)).unwrap_or("")).unwrap_or_default();
    if let Some(cid) = crate::emv::parse_tlv(&answer).get("9F27").and_then(|c| c.first()) {
        line.push_str(&format!(" · card gives {}", cryptogram(*cid)));
    }
    line
}
