//! Whatever bytes a terminal sends, the host's decoder and request handling
//! return an answer or an error; they never panic.
//! Run: cd rig && cargo +nightly fuzz run host_decoder -- -max_total_time=60
#![no_main]

use libfuzzer_sys::fuzz_target;
use rig::config::dialect::{Dialect, HostTimeouts, MacAlgorithm, QrCodes};
use rig::host::codec::{Envelope, Message};
use rig::host::crypto::CipherFamily;
use rig::host::handlers::HostState;
use rig::host::issuer::Issuer;
use std::sync::Mutex;
use std::sync::OnceLock;

fn state() -> &'static Mutex<HostState> {
    static STATE: OnceLock<Mutex<HostState>> = OnceLock::new();
    STATE.get_or_init(|| {
        let dialect = Dialect {
            name: "fuzz".into(),
            mac: MacAlgorithm::UnionpayEcb,
            cipher: CipherFamily::Des,
            key_layout: "003".into(),
            acquirer_id: "03010000".into(),
            issuer_id: "01020000".into(),
            card_brand: "CUP".into(),
            answer_header: None,
            session_key: Default::default(),
            timeouts: HostTimeouts::default(),
            qr: QrCodes::default(),
            downloads: Default::default(),
        };
        let tmk = [0x11u8; 16];
        Mutex::new(HostState::new(dialect, &tmk, Issuer::new([])).expect("state"))
    })
}

fuzz_target!(|frame: &[u8]| {
    if let Ok((_, body)) = Envelope::split(frame) {
        if let Ok(msg) = Message::unpack(body) {
            // Whatever decodes must pack again.
            let _ = msg.pack();
        }
        let mut state = state().lock().unwrap_or_else(|p| p.into_inner());
        let _ = state.process(body);
    }
});
