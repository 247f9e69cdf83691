//! `rig card serve`: one emulated card on the vpcd protocol, for pcscd's vpcd
//! driver (it connects there) or a phone running vsmartcard's relay app (it
//! waits for the relay). Logs one line per APDU: command and status word only.

use super::{EmvCard, Field};
use crate::config::card::{Interface, load_dir};
use crate::devices::card_link;
use crate::events::{Kind, Timeline};
use std::path::PathBuf;

pub struct ServeOptions {
    pub card: String,
    pub cards: PathBuf,
    pub contactless: bool,
    /// Reader to connect to (vpcd), or None to listen.
    pub connect: Option<String>,
    pub listen: String,
}

pub async fn run(options: ServeOptions) -> Result<(), String> {
    let cards = load_dir(&options.cards).map_err(|e| e.to_string())?;
    let profile = cards.get(&options.card).cloned().ok_or_else(|| {
        format!(
            "no card profile {:?} in {} (have: {})",
            options.card,
            options.cards.display(),
            cards.keys().cloned().collect::<Vec<_>>().join(", ")
        )
    })?;
    let (field, interface, word) = if options.contactless {
        (Field::Contactless, Interface::Contactless, "contactless")
    } else {
        (Field::Contact, Interface::Contact, "contact")
    };
    // A card is served only where it can be read (its file's `interfaces`).
    if !profile.interfaces.contains(&interface) {
        let has: Vec<&str> = profile
            .interfaces
            .iter()
            .map(|i| match i {
                Interface::Magstripe => "magstripe",
                Interface::Contact => "contact",
                Interface::Contactless => "contactless",
            })
            .collect();
        return Err(format!(
            "card {:?} has no {word} interface (its file's interfaces: [{}]){}",
            options.card,
            has.join(", "),
            if options.contactless {
                ""
            } else if profile.interfaces.contains(&Interface::Contactless) {
                "; serve it with --contactless"
            } else {
                ""
            }
        ));
    }
    let timeline = Timeline::streaming();
    timeline.subscribe(|e| match &e.kind {
        Kind::Apdu { command, response } => {
            // The command is the terminal's; the answer carries card data: only its status word is shown.
            let sw = &response[response.len().saturating_sub(4)..];
            println!(
                "{:>10.3}  {command} -> {sw} ({} bytes)",
                e.t_us as f64 / 1e6,
                response.len() / 2
            );
        }
        Kind::CardInserted { atr } => println!("{:>10.3}  reader connected, ATR {atr}", e.t_us as f64 / 1e6),
        Kind::CardRemoved => println!("{:>10.3}  card gone", e.t_us as f64 / 1e6),
        _ => {}
    });
    let behaviour = profile.behaviour.clone();
    let protocol = profile.contact_protocol;
    let carried = crate::card::t0::as_transported(Box::new(EmvCard::new(profile, field)), field, protocol);
    let card = crate::card::faults::as_behaves(carried, &behaviour);
    let _served = match &options.connect {
        Some(addr) => {
            let c = card_link::insert(addr, card, timeline)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "rig card serve: {} inserted into the reader at {addr}; Ctrl-C removes it",
                options.card
            );
            c
        }
        None => {
            let (addr, c) = card_link::listen(&options.listen, card, timeline)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "rig card serve: {} waits for a reader or relay on {addr}; Ctrl-C stops",
                options.card
            );
            c
        }
    };
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    Ok(())
}
