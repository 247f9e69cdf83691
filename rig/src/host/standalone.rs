//! `rig host`: the mock acquirer on its own, for trying a real terminal by
//! hand. Prints one readable, masked line per message.

use super::issuer::Issuer;
use super::server::MockHost;
use crate::config::bench::MasterKeyFile;
use crate::config::card;
use crate::config::dialect::Dialect;
use crate::config::{self, ConfigError};
use crate::events::{Event, Kind, Timeline};
use crate::iso8583::fields::field;
use crate::mask::{Evidence, HostFields, Masker};
use std::path::PathBuf;
use std::sync::Mutex;

pub struct StandaloneOptions {
    pub listen: String,
    pub dialect: PathBuf,
    pub cards: PathBuf,
    pub master_key: PathBuf,
    pub evidence: Evidence,
}

#[derive(Debug, thiserror::Error)]
pub enum StandaloneError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Host(#[from] super::server::HostError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn value_of(fields: &[(u8, String)], no: u8) -> Option<&str> {
    fields.iter().find(|(n, _)| *n == no).map(|(_, v)| v.as_str())
}

/// One log line for a host event (None for events that are not the host's).
pub fn log_line(masker: &mut Masker, event: &Event) -> Option<String> {
    let event = masker.event(event);
    let secs = event.t_us as f64 / 1e6;
    let summary = |fields: &[(u8, String)]| {
        let mut parts = Vec::new();
        for (no, label) in [
            (field::STAN, "STAN"),
            (field::TERMINAL_ID, "TID"),
            (field::PAN, "PAN"),
            (field::RESPONSE_CODE, "code"),
            (field::AUTH_CODE, "auth"),
            (field::RRN, "RRN"),
        ] {
            if let Some(v) = value_of(fields, no) {
                parts.push(format!("{label} {}", v.trim()));
            }
        }
        if let Some(amount) = value_of(fields, field::AMOUNT).and_then(|a| a.parse::<u64>().ok()) {
            parts.push(format!("amount {}.{:02}", amount / 100, amount % 100));
        }
        parts.join("  ")
    };
    Some(match &event.kind {
        Kind::HostReceived { mti, txn, fields, .. } => format!("{secs:>10.3}  <- {mti} {txn:<18} {}", summary(fields)),
        Kind::HostSent { mti, txn, fields, .. } => format!("{secs:>10.3}  -> {mti} {txn:<18} {}", summary(fields)),
        Kind::HostWithheld { mti, txn, why, .. } => format!("{secs:>10.3}  -x {mti} {txn:<18} not sent: {why}"),
        Kind::HostError { error, .. } => format!("{secs:>10.3}  !! {error}"),
        _ => return None,
    })
}

pub async fn run(options: StandaloneOptions) -> Result<(), StandaloneError> {
    let dialect = Dialect::load(&options.dialect)?;
    let cards = card::load_dir(&options.cards)?;
    let key: MasterKeyFile = config::load(&options.master_key)?;
    let tmk: [u8; 16] = hex::decode(&key.tmk)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| ConfigError::Semantic {
            path: options.master_key.clone(),
            message: "tmk must be 32 hex digits".into(),
        })?;
    // Runs for hours: log lines only, no history kept.
    let timeline = Timeline::streaming();
    if options.evidence == Evidence::Clear {
        println!("rig host: EVIDENCE IN CLEAR: card numbers, tracks, PIN blocks and keys are logged unmasked");
    }
    let masker = Mutex::new(Masker::new(options.evidence, HostFields::of(&dialect), None));
    timeline.subscribe(move |e| {
        let mut masker = masker.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(line) = log_line(&mut masker, e) {
            println!("{line}");
        }
    });
    let host = MockHost::new(dialect.clone(), tmk, Issuer::new(cards.values()), timeline)?;
    let handle = host.start(&options.listen).await?;
    println!(
        "rig host: {} listening on {} ({} cards, MAC {:?}, keys {:?}); Ctrl-C stops it",
        dialect.name,
        handle.addr,
        cards.len(),
        dialect.mac,
        dialect.cipher
    );
    tokio::signal::ctrl_c().await?;
    println!("rig host: stopped");
    Ok(())
}
