//! vterm: the reference virtual UnionPay POS terminal.
//!
//! It stands in for a vendor's terminal on the virtual bench and is reached
//! only through "hardware": a serial console (pseudo-terminal), GPIO key
//! lines, a magnetic stripe head, a vpcd card reader and TCP to the acquirer.

mod action;
mod app;
mod chip;
mod clock;
mod console;
mod crypto;
mod cvm;
mod ecr;
mod flash;
mod host_link;
mod image;
mod keypad;
mod message;
mod oda;
mod params;
mod personality;
mod qpboc;
mod reader;
mod receipt;
mod risk;
mod swipe;
mod tlv;
mod tvr;
#[cfg(test)]
mod vectors;
mod vpcd;

use std::path::PathBuf;
use std::time::Duration;

/// Version of the boot loader (this program); the application's version is the image's.
pub const BOOT_LOADER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Something the terminal's hardware noticed.
pub enum Input {
    Key(String),
    Swipe(swipe::Swipe),
    /// A card entered the slot or the field.
    Card(reader::CardSession),
    /// The scanner read a payment code.
    Scan(String),
    /// The cash register asked for something.
    Ecr(ecr::Request),
    /// The cash register sent a line that is not a request.
    EcrGarbage(String),
}

const USAGE: &str = "usage: vterm --params TERMINAL_PARAMS.toml --board BOARD.toml

Runs the reference virtual POS terminal. The params file holds what a terminal
management system downloads (merchant, terminal ID, header); the board file is
the wiring the bench gives it (console link, GPIO file, reader, host address).";

fn arg(args: &[String], name: &str) -> Option<PathBuf> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return;
    }
    if args.iter().any(|a| a == "--version") {
        println!("vterm boot loader {BOOT_LOADER_VERSION}");
        return;
    }
    let (Some(params), Some(board)) = (arg(&args, "--params"), arg(&args, "--board")) else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    if let Err(e) = boot(&params, &board) {
        eprintln!("vterm: {e}");
        std::process::exit(1);
    }
}

fn boot(params: &std::path::Path, board: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let params: params::Params = params::load(params)?;
    let board: params::Board = params::load(board)?;
    let model = params.model;
    let console = console::Console::open(&board.console, model)
        .map_err(|e| format!("console {}: {e}", board.console.display()))?;
    let tmk: [u8; 16] = hex::decode(&board.tmk)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or("board: tmk must be 32 hex digits")?;
    let (tx, rx) = std::sync::mpsc::channel();
    let gpio = std::fs::File::open(&board.gpio).map_err(|e| format!("gpio {}: {e}", board.gpio.display()))?;
    keypad::spawn(
        gpio,
        model.keypad(board.keypad),
        Duration::from_millis(board.debounce_ms),
        Duration::from_millis(board.scan_ms),
        tx.clone(),
    );
    swipe::spawn(&board.swipe_socket, tx.clone())?;
    if model.payment_codes() {
        swipe::spawn_scanner(&board.scanner_socket, tx.clone())?;
    }
    let ecr =
        ecr::EcrPort::open(&board.ecr, tx.clone()).map_err(|e| format!("ECR port {}: {e}", board.ecr.display()))?;
    let contact = std::net::TcpListener::bind(&board.contact_reader)?;
    let contact_addr = contact.local_addr()?;
    reader::spawn(contact, reader::Slot::Contact, tx.clone());
    // The READY line names only the readers this model has.
    let mut readers = format!("contact={contact_addr}");
    if model.contactless() {
        let field = std::net::TcpListener::bind(&board.contactless_reader)?;
        readers.push_str(&format!(" contactless={}", field.local_addr()?));
        reader::spawn(field, reader::Slot::Contactless, tx);
    }
    let link = host_link::HostLink {
        address: board.host_address,
        tpdu: hex::decode(&params.tpdu)?,
        header: hex::decode(&params.header)?,
        timeout: Duration::from_millis(params.host_timeout_ms),
    };
    let flash = flash::Flash::open(&board.flash);
    // The board's enumeration line for whoever wired it: where its ports ended up.
    println!("READY {readers}");
    console.log(&format!("boot loader {BOOT_LOADER_VERSION}"));
    let image = std::fs::read(&board.firmware)
        .map_err(|e| e.to_string())
        .and_then(|b| image::load(&b, model));
    let image = match image {
        Ok(image) => image,
        Err(why) => {
            // A real boot loader stops here and says why on its console.
            console.line("BOOT", &model.image_rejected(&why));
            loop {
                std::thread::park();
            }
        }
    };
    console.line("BOOT", &model.banner(&image.model, &image.version));
    console.log(&format!(
        "terminal {} merchant {}",
        params.terminal_id, params.merchant_id
    ));
    let paper = app::PaperSensor {
        gpio: std::fs::File::open(&board.gpio)?,
        line: board.paper_sensor,
    };
    app::Terminal::new(console, params, link, flash, tmk, rx, image.application)
        .with_ecr(ecr)
        .with_paper_sensor(paper)
        .run();
    Ok(())
}
