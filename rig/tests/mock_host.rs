//! The mock host over TCP, driven by a terminal written here from the codec
//! and crypto primitives (independent of vterm): every transaction type of
//! pos-8583.md, the faults, and bad input.

use rig::config::card::{CardProfile, CardStatus, Issuer as CardIssuer};
use rig::config::dialect::{Dialect, HostTimeouts, MacAlgorithm, QrCodes};
use rig::events::Timeline;
use rig::host::faults::{AnswerFault, Fault, FaultAction, TransportFault};
use rig::host::issuer::Issuer;
use rig::host::ledger::Totals;
use rig::host::txn::TxnKind;
use rig::host::{HostHandle, MockHost};
use rig::iso8583::codec::{Envelope, Message};
use rig::iso8583::crypto::{self, BlockCipher, CipherFamily, DesKey};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TMK: [u8; 16] = [
    0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10,
];
const PAN: &str = "6222021234567890128";
const TID: &str = "10000001";

fn dialect(cipher: CipherFamily) -> Dialect {
    let mut downloads = BTreeMap::new();
    downloads.insert("360".to_string(), "9F0610A000000333010101".to_string());
    Dialect {
        name: "test".into(),
        mac: MacAlgorithm::UnionpayEcb,
        cipher,
        key_layout: "003".into(),
        acquirer_id: "03010000".into(),
        issuer_id: "01020000".into(),
        card_brand: "CUP".into(),
        answer_header: None,
        session_key: Default::default(),
        timeouts: HostTimeouts {
            frame_ms: 300,
            idle_ms: 10_000,
        },
        qr: QrCodes::default(),
        downloads,
        ca_keys: None,
        capks: Vec::new(),
    }
}

fn card(pan: &str, balance: &str, status: CardStatus, expiry: &str) -> CardProfile {
    CardProfile {
        description: "test".into(),
        pan: pan.parse().unwrap(),
        expiry: expiry.parse().unwrap(),
        service_code: "101".into(),
        discretionary: String::new(),
        track3: None,
        issuer: CardIssuer {
            pin: "123456".into(),
            balance: balance.parse().unwrap(),
            pin_tries: 3,
            status,
            single_limit: Some("2000.00".parse().unwrap()),
            imk: Some("0123456789ABCDEFFEDCBA9876543210".parse().unwrap()),
            imk_smi: None,
            imk_smc: None,
        },
        ..Default::default()
    }
}

struct Bench {
    host: Arc<MockHost>,
    handle: HostHandle,
}

async fn host(cipher: CipherFamily) -> Bench {
    host_with(dialect(cipher)).await
}

async fn host_with(dialect: Dialect) -> Bench {
    let cards = [
        card(PAN, "1000.00", CardStatus::Active, "4912"),
        card("6228480012345671", "1000.00", CardStatus::Blocked, "4912"),
        card("6258071387921239", "1000.00", CardStatus::Active, "2001"),
    ];
    let host = MockHost::new(dialect, TMK, Issuer::new(cards.iter()), Timeline::new()).expect("host");
    let handle = host.start("127.0.0.1:0").await.expect("listens");
    Bench { host, handle }
}

struct Terminal {
    stream: TcpStream,
    envelope: Envelope,
    pin_key: Option<Box<dyn BlockCipher>>,
    mac_key: Option<Box<dyn BlockCipher>>,
    stan: u32,
}

impl Terminal {
    async fn connect(bench: &Bench) -> Terminal {
        let stream = TcpStream::connect(bench.handle.addr).await.expect("connects");
        let envelope = Envelope {
            tpdu: vec![0x60, 0x00, 0x03, 0x00, 0x00],
            header: vec![0x60, 0x31, 0, 0, 0, 1],
        };
        Terminal {
            stream,
            envelope,
            pin_key: None,
            mac_key: None,
            stan: 0,
        }
    }

    async fn signed_on(bench: &Bench) -> Terminal {
        let mut t = Terminal::connect(bench).await;
        t.sign_on("003", CipherFamily::Des).await;
        t
    }

    fn next_stan(&mut self) -> String {
        self.stan += 1;
        format!("{:06}", self.stan)
    }

    async fn raw_exchange(&mut self, body: &[u8]) -> (Vec<u8>, Message) {
        self.stream.write_all(&self.envelope.frame(body)).await.expect("send");
        let len = self.stream.read_u16().await.expect("length");
        let mut frame = vec![0; usize::from(len)];
        self.stream.read_exact(&mut frame).await.expect("frame");
        let (reply, body) = Envelope::split(&frame).expect("envelope");
        assert_eq!(reply.tpdu, self.envelope.reply().tpdu, "TPDU addresses swapped");
        (body.to_vec(), Message::unpack(body).expect("answer decodes"))
    }

    /// Sends with a MAC (once signed on) and checks the answer's MAC.
    async fn send(&mut self, msg: Message) -> Message {
        let Some(mac_key) = &self.mac_key else {
            return self.raw_exchange(&msg.pack().expect("packs")).await.1;
        };
        let mut body = msg.with_bytes(64, vec![0; 8]).pack().expect("packs");
        let n = body.len() - 8;
        let mac = crypto::unionpay_ecb_mac(mac_key.as_ref(), &body[..n]);
        body[n..].copy_from_slice(&mac);
        let (raw, answer) = self.raw_exchange(&body).await;
        if answer.bytes(64).is_some() {
            let mac_key = self.mac_key.as_ref().expect("key");
            assert_eq!(
                crypto::unionpay_ecb_mac(mac_key.as_ref(), &raw[..raw.len() - 8]),
                raw[raw.len() - 8..],
                "answer MAC"
            );
        }
        answer
    }

    /// The track key of a layout 004 sign-on (after the PIN and MAC parts).
    fn track_key(f62: &[u8]) -> DesKey {
        let tmk = DesKey::new(&TMK).expect("tmk");
        let key = tmk.decrypt_ecb(&f62[40..56]).expect("track key");
        assert_eq!(
            crypto::check_value(&key).expect("kcv"),
            f62[56..60],
            "track key check value"
        );
        DesKey::new(&key).expect("key")
    }

    async fn sign_on(&mut self, layout: &str, family: CipherFamily) -> Vec<u8> {
        let stan = self.next_stan();
        let request = Message::new("0800")
            .with(11, stan)
            .with(41, TID)
            .with(60, format!("00000001{layout}"));
        let (_, answer) = self.raw_exchange(&request.pack().expect("packs")).await;
        assert!(answer.bytes(64).is_none(), "sign-on answers carry no MAC");
        assert_eq!((answer.mti.as_str(), answer.text(39)), ("0810", Some("00")));
        let f62 = answer.bytes(62).expect("field 62").to_vec();
        let tmk = family.key(&TMK).expect("tmk");
        let (pin_len, mac_len, pad) = match (family, layout) {
            (CipherFamily::Sm4, _) => (16, 16, 0),
            (_, "001") => (8, 8, 0),
            _ => (16, 8, 8),
        };
        let pin = crypto::decrypt_ecb(tmk.as_ref(), &f62[..pin_len]).expect("pin key");
        let mac_at = pin_len + 4;
        let mac = crypto::decrypt_ecb(tmk.as_ref(), &f62[mac_at..mac_at + mac_len]).expect("mac key");
        let (pin, mac) = (family.key(&pin).expect("key"), family.key(&mac).expect("key"));
        assert_eq!(
            crypto::check_value_of(pin.as_ref()),
            f62[pin_len..pin_len + 4],
            "PIN key check value"
        );
        let kcv_at = mac_at + mac_len + pad;
        assert_eq!(
            crypto::check_value_of(mac.as_ref()),
            f62[kcv_at..kcv_at + 4],
            "MAC key check value"
        );
        self.pin_key = Some(pin);
        self.mac_key = Some(mac);
        f62
    }

    fn pin_block(&self, pin: &str, pan: &str) -> Vec<u8> {
        let mut block = crypto::pin_block_clear(pin, pan).to_vec();
        self.pin_key.as_ref().expect("signed on").encrypt(&mut block);
        block
    }

    fn financial(
        &mut self,
        mti: &str,
        f3: &str,
        type_code: &str,
        amount: &str,
        pan: &str,
        pin: Option<&str>,
    ) -> Message {
        let stan = self.next_stan();
        let mut m = Message::new(mti)
            .with(2, pan)
            .with(3, f3)
            .with(4, amount)
            .with(11, stan)
            .with(22, if pin.is_some() { "021" } else { "022" })
            .with(
                25,
                if matches!(type_code, "10" | "11" | "20" | "21" | "24") {
                    "06"
                } else {
                    "00"
                },
            )
            .with(35, format!("{pan}=4912101"))
            .with(41, TID)
            .with(42, "898310048990001")
            .with(49, "156")
            .with(60, format!("{type_code}000001"));
        if let Some(pin) = pin {
            m = m.with_bytes(52, self.pin_block(pin, pan));
        }
        m
    }

    fn sale(&mut self, amount: &str, pin: &str) -> Message {
        self.financial("0200", "000000", "22", amount, PAN, Some(pin))
    }
}

fn code(m: &Message) -> &str {
    m.text(39).unwrap_or("--")
}

#[tokio::test]
async fn sign_on_key_layouts_001_003_004_and_sm4() {
    let bench = host(CipherFamily::Des).await;
    let mut t = Terminal::connect(&bench).await;
    assert_eq!(t.sign_on("001", CipherFamily::Des).await.len(), 24);
    assert_eq!(t.sign_on("003", CipherFamily::Des).await.len(), 40);
    assert_eq!(t.sign_on("004", CipherFamily::Des).await.len(), 60);
    let sale = t.sale("000000000100", "123456");
    assert_eq!(code(&t.send(sale).await), "00", "keys of the last sign-on are in force");

    let sm4 = host(CipherFamily::Sm4).await;
    let mut t = Terminal::connect(&sm4).await;
    assert_eq!(t.sign_on("003", CipherFamily::Sm4).await.len(), 40);
    let echo = Message::new("0820")
        .with(11, "000009")
        .with(41, TID)
        .with(60, "00000001301");
    assert_eq!(code(&t.send(echo).await), "00");
}

#[tokio::test]
async fn network_management_echo_sign_off_downloads_and_script_results() {
    let bench = host(CipherFamily::Des).await;
    let mut t = Terminal::connect(&bench).await;
    let echo = Message::new("0820")
        .with(11, "000001")
        .with(41, TID)
        .with(60, "00000001301");
    assert_eq!(t.send(echo).await.mti, "0830");
    let download = Message::new("0800")
        .with(11, "000002")
        .with(41, TID)
        .with(60, "00000001360");
    let answer = t.send(download).await;
    assert_eq!(
        (code(&answer), answer.bytes(62)),
        ("00", Some(&hex::decode("9F0610A000000333010101").unwrap()[..]))
    );
    let capk = Message::new("0800")
        .with(11, "000003")
        .with(41, TID)
        .with(60, "00000001370");
    assert_eq!(code(&t.send(capk).await), "40", "no CAPK payload configured");
    t.sign_on("003", CipherFamily::Des).await;
    let script = Message::new("0620")
        .with(11, "000005")
        .with(41, TID)
        .with(60, "00000001951");
    assert_eq!((t.send(script).await.mti, "0630".to_string()).0, "0630");
    let signoff = Message::new("0820")
        .with(11, "000006")
        .with(41, TID)
        .with(60, "00000001002");
    assert_eq!(code(&t.send(signoff).await), "00");
}

#[tokio::test]
async fn the_capk_download_carries_the_test_ca_key_and_the_download_end_nothing() {
    let mut with_keys = dialect(CipherFamily::Des);
    let ca_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/keys/ca");
    with_keys.capks = rig::config::capk::load_dir(&ca_dir).expect("the test CA");
    let bench = host_with(with_keys).await;
    let mut t = Terminal::connect(&bench).await;
    let capk = Message::new("0800")
        .with(11, "000002")
        .with(41, TID)
        .with(60, "00000001370");
    let answer = t.send(capk).await;
    assert_eq!(code(&answer), "00");
    let payload = answer.bytes(62).expect("field 62").to_vec();
    // Read back with the published file's values, not the host's encoder.
    let published = std::fs::read_to_string(ca_dir.join("A000000333-E1.toml")).expect("published key");
    let value = |key: &str| {
        published
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
            .map(|v| v.trim_end_matches('"').to_string())
            .expect(key)
    };
    let modulus = hex::decode(value("modulus")).expect("hex");
    let mut expected = Vec::new();
    for (tag, v) in [
        ("9F06", hex::decode(value("rid")).unwrap()),
        ("9F22", hex::decode(value("index")).unwrap()),
        ("DF05", value("expiry").into_bytes()),
        ("DF06", vec![1]),
        ("DF07", vec![1]),
    ] {
        expected.extend(hex::decode(tag).unwrap());
        expected.push(v.len() as u8);
        expected.extend(v);
    }
    // DF02: 176 bytes, so the BER length takes two bytes (81 B0).
    expected.extend([0xDF, 0x02, 0x81, modulus.len() as u8]);
    expected.extend(&modulus);
    expected.extend([0xDF, 0x04, 0x01, 0x03, 0xDF, 0x03, 0x14]);
    expected.extend(hex::decode(value("checksum")).unwrap());
    assert_eq!(hex::encode_upper(&payload), hex::encode_upper(&expected));
    let end = Message::new("0800")
        .with(11, "000003")
        .with(41, TID)
        .with(60, "00000001371");
    let answer = t.send(end).await;
    assert_eq!((code(&answer), answer.bytes(62)), ("00", None));
}

#[tokio::test]
async fn sales_are_decided_by_the_issuer_model() {
    let bench = host(CipherFamily::Des).await;
    let mut t = Terminal::signed_on(&bench).await;
    let ok = t.sale("000000010000", "123456");
    let answer = t.send(ok.clone()).await;
    assert_eq!((answer.mti.as_str(), code(&answer)), ("0210", "00"));
    for f in [3, 4, 11, 41, 42] {
        assert_eq!(answer.fields.get(&f), ok.fields.get(&f), "field {f} echoed");
    }
    assert_eq!(answer.text(38).map(str::len), Some(6));
    assert_eq!(bench.host.balance_fen(PAN), Some(90_000));
    assert_eq!(code(&t.send(ok).await), "94", "same STAN again is a duplicate");

    let wrong_pin = t.sale("000000000100", "000000");
    assert_eq!(code(&t.send(wrong_pin).await), "55");
    let too_much = t.sale("000000500000", "123456");
    assert_eq!(code(&t.send(too_much).await), "61", "over the single limit");
    let blocked = t.financial(
        "0200",
        "000000",
        "22",
        "000000000100",
        "6228480012345671",
        Some("123456"),
    );
    assert_eq!(code(&t.send(blocked).await), "05");
    let expired = t.financial(
        "0200",
        "000000",
        "22",
        "000000000100",
        "6258071387921239",
        Some("123456"),
    );
    assert_eq!(code(&t.send(expired).await), "54");
    let unknown = t.financial("0200", "000000", "22", "000000000100", "6222020000000000005", None);
    assert_eq!(code(&t.send(unknown).await), "14");
    for expected in ["55", "55", "75"] {
        let wrong = t.sale("000000000100", "000000");
        assert_eq!(code(&t.send(wrong).await), expected);
    }
    let locked = t.sale("000000000100", "123456");
    assert_eq!(code(&t.send(locked).await), "75", "PIN tries exceeded");
}

#[tokio::test]
async fn balance_inquiry_void_and_refund_move_money_back() {
    let bench = host(CipherFamily::Des).await;
    let mut t = Terminal::signed_on(&bench).await;
    let balance = t.financial("0200", "310000", "01", "000000000000", PAN, Some("123456"));
    assert_eq!(t.send(balance).await.text(54), Some("1002156C000000100000"));

    let sale = t.sale("000000020000", "123456");
    let sale_stan = sale.text(11).unwrap().to_string();
    let approved = t.send(sale).await;
    assert_eq!(bench.host.balance_fen(PAN), Some(80_000));

    let mut void = t.financial("0200", "200000", "23", "000000020000", PAN, Some("123456"));
    void = void
        .with(37, approved.text(37).unwrap())
        .with(61, format!("000001{sale_stan}"));
    assert_eq!(code(&t.send(void.clone()).await), "00");
    assert_eq!(bench.host.balance_fen(PAN), Some(100_000));
    let mut again = void.clone();
    again.fields.insert(11, rig::iso8583::codec::Value::Text(t.next_stan()));
    assert_eq!(code(&t.send(again).await), "25", "a voided sale cannot be voided again");
    let wrong_amount = t
        .financial("0200", "200000", "23", "000000000001", PAN, None)
        .with(61, "000001999999");
    assert_eq!(code(&t.send(wrong_amount).await), "25", "no such original");

    let sale = t.sale("000000030000", "123456");
    let rrn = t.send(sale).await.text(37).unwrap().to_string();
    let refund = t
        .financial("0220", "200000", "25", "000000010000", PAN, None)
        .with(37, rrn.clone())
        .with(61, "0000010000011124");
    let answer = t.send(refund).await;
    assert_eq!((answer.mti.as_str(), code(&answer)), ("0230", "00"));
    assert_eq!(bench.host.balance_fen(PAN), Some(80_000));
    let too_much = t
        .financial("0220", "200000", "25", "000000090000", PAN, None)
        .with(37, rrn);
    assert_eq!(code(&t.send(too_much).await), "64");
    let unknown = t
        .financial("0220", "200000", "25", "000000000100", PAN, None)
        .with(37, "000000000000");
    assert_eq!(code(&t.send(unknown).await), "25");
}

#[tokio::test]
async fn pre_auth_cancel_completion_advice_and_completion_void() {
    let bench = host(CipherFamily::Des).await;
    let mut t = Terminal::signed_on(&bench).await;
    let pre = t.financial("0100", "030000", "10", "000000010000", PAN, Some("123456"));
    let answer = t.send(pre).await;
    assert_eq!((answer.mti.as_str(), code(&answer)), ("0110", "00"));
    let auth = answer.text(38).unwrap().to_string();
    assert_eq!(
        bench.host.balance_fen(PAN),
        Some(90_000),
        "the pre-auth holds its amount"
    );

    let over = t
        .financial("0200", "000000", "20", "000000011600", PAN, None)
        .with(38, auth.clone());
    assert_eq!(code(&t.send(over).await), "64", "more than 115 % of the pre-auth");
    let completion = t
        .financial("0200", "000000", "20", "000000011000", PAN, None)
        .with(38, auth.clone());
    let completion_stan = completion.text(11).unwrap().to_string();
    assert_eq!(code(&t.send(completion).await), "00");
    assert_eq!(bench.host.balance_fen(PAN), Some(89_000));
    let again = t
        .financial("0200", "000000", "20", "000000001000", PAN, None)
        .with(38, auth);
    assert_eq!(code(&t.send(again).await), "25", "a completed pre-auth is closed");

    let cvoid = t
        .financial("0200", "200000", "21", "000000011000", PAN, None)
        .with(61, format!("000001{completion_stan}"));
    assert_eq!(code(&t.send(cvoid).await), "00");
    assert_eq!(bench.host.balance_fen(PAN), Some(100_000));

    let pre = t.financial("0100", "030000", "10", "000000005000", PAN, Some("123456"));
    let auth = t.send(pre).await.text(38).unwrap().to_string();
    let cancel = t
        .financial("0100", "200000", "11", "000000005000", PAN, None)
        .with(38, auth);
    assert_eq!(code(&t.send(cancel).await), "00");
    assert_eq!(bench.host.balance_fen(PAN), Some(100_000));

    let pre = t.financial("0100", "030000", "10", "000000005000", PAN, Some("123456"));
    let auth = t.send(pre).await.text(38).unwrap().to_string();
    let advice = t
        .financial("0220", "000000", "24", "000000004000", PAN, None)
        .with(38, auth);
    let answer = t.send(advice).await;
    assert_eq!((answer.mti.as_str(), code(&answer)), ("0230", "00"));
    assert_eq!(bench.host.balance_fen(PAN), Some(96_000));
}

#[tokio::test]
async fn reversal_undoes_its_original_once() {
    let bench = host(CipherFamily::Des).await;
    let mut t = Terminal::signed_on(&bench).await;
    let sale = t.sale("000000010000", "123456");
    t.send(sale.clone()).await;
    assert_eq!(bench.host.balance_fen(PAN), Some(90_000));
    let mut reversal = sale.clone();
    reversal.mti = "0400".into();
    reversal.fields.remove(&52);
    reversal = reversal.with(39, "98");
    let answer = t.send(reversal.clone()).await;
    assert_eq!((answer.mti.as_str(), code(&answer)), ("0410", "00"));
    assert_eq!(bench.host.balance_fen(PAN), Some(100_000));
    assert_eq!(
        code(&t.send(reversal).await),
        "00",
        "repeated reversal is answered again"
    );
    assert_eq!(bench.host.balance_fen(PAN), Some(100_000), "and undoes nothing twice");
    let orphan = Message::new("0400")
        .with(3, "000000")
        .with(4, "000000000100")
        .with(11, "777777")
        .with(41, TID)
        .with(39, "98");
    assert_eq!(
        code(&t.send(orphan).await),
        "00",
        "a reversal of a request the host never saw"
    );
}

#[tokio::test]
async fn settlement_reconciles_field_48_then_batch_upload_and_end() {
    let bench = host(CipherFamily::Des).await;
    let mut t = Terminal::signed_on(&bench).await;
    for amount in ["000000010000", "000000002500"] {
        let sale = t.sale(amount, "123456");
        t.send(sale).await;
    }
    let ours = Totals {
        debit_fen: 12_500,
        debit_count: 2,
        credit_fen: 0,
        credit_count: 0,
    };
    let settle = |f48: String, stan: String| {
        Message::new("0500")
            .with(11, stan)
            .with(41, TID)
            .with(48, f48)
            .with(60, "00000001201")
    };
    let stan = t.next_stan();
    let answer = t.send(settle(ours.to_field48(true), stan)).await;
    assert_eq!((answer.mti.as_str(), code(&answer)), ("0510", "00"));
    assert_eq!(answer.text(48).and_then(|f| f.get(30..31)), Some("1"), "balanced");
    let wrong = Totals {
        debit_fen: 10_000,
        debit_count: 1,
        ..ours
    };
    let stan = t.next_stan();
    let answer = t.send(settle(wrong.to_field48(true), stan)).await;
    assert_eq!(answer.text(48).and_then(|f| f.get(30..31)), Some("2"), "out of balance");
    assert_eq!(
        answer.text(48).and_then(Totals::parse),
        Some(ours),
        "the host's totals come back"
    );
    let stan = t.next_stan();
    let upload = Message::new("0320")
        .with(11, stan)
        .with(41, TID)
        .with(48, "000000010000")
        .with(60, "00000001201");
    assert_eq!(t.send(upload).await.mti, "0330");
    let stan = t.next_stan();
    let end = Message::new("0320")
        .with(11, stan)
        .with(41, TID)
        .with(60, "00000001207");
    assert_eq!(code(&t.send(end).await), "00");
}

#[tokio::test]
async fn payment_codes_pay_stay_pending_get_queried_and_cancelled() {
    let bench = host(CipherFamily::Des).await;
    let mut t = Terminal::signed_on(&bench).await;
    let qr = |t: &mut Terminal, f3: &str, code: &str| {
        let stan = t.next_stan();
        Message::new("0200")
            .with(3, f3)
            .with(4, "000000001000")
            .with(11, stan)
            .with(22, "030")
            .with(41, TID)
            .with(48, code)
            .with(60, "22000001")
    };
    let pay = qr(&mut t, "700000", "134567890123456789");
    assert_eq!(code(&t.send(pay).await), "00", "a WeChat code pays at once");
    let bad = qr(&mut t, "700000", "999999");
    assert_eq!(code(&t.send(bad).await), "14", "not a wallet's code shape");

    bench.host.qr_pending_for(1);
    let pay = qr(&mut t, "700000", "2812345678901234");
    let pay_stan = pay.text(11).unwrap().to_string();
    assert_eq!(
        code(&t.send(pay).await),
        "P0",
        "Alipay customer still entering the password"
    );
    let query = qr(&mut t, "730000", "").with(61, format!("000001{pay_stan}"));
    assert_eq!(code(&t.send(query.clone()).await), "P0");
    let mut query2 = query.clone();
    query2
        .fields
        .insert(11, rig::iso8583::codec::Value::Text(t.next_stan()));
    assert_eq!(code(&t.send(query2).await), "00", "paid after one more poll");
    let cancel = qr(&mut t, "720000", "").with(61, format!("000001{pay_stan}"));
    assert_eq!(code(&t.send(cancel).await), "00");

    let order = qr(&mut t, "710000", "");
    let order_stan = order.text(11).unwrap().to_string();
    let answer = t.send(order).await;
    assert!(
        answer.text(63).is_some_and(|u| u.starts_with("https://")),
        "order URL in field 63"
    );
    let query = qr(&mut t, "730000", "").with(61, format!("000001{order_stan}"));
    assert_eq!(code(&t.send(query).await), "P0", "nobody paid yet");
    assert!(bench.host.customer_pays_order());
    let query = qr(&mut t, "730000", "").with(61, format!("000001{order_stan}"));
    assert_eq!(code(&t.send(query).await), "00");
}

#[tokio::test]
async fn scripted_faults_break_the_answers_on_purpose() {
    let bench = host(CipherFamily::Des).await;
    let mut t = Terminal::signed_on(&bench).await;
    let script = |action: FaultAction| Fault {
        kind: Some(TxnKind::Sale),
        remaining: Some(1),
        skip: 0,
        action,
    };

    bench
        .host
        .script(script(FaultAction::Answer(AnswerFault::Code("05".into()))));
    let sale = t.sale("000000000100", "123456");
    assert_eq!(code(&t.send(sale).await), "05");
    let sale = t.sale("000000000100", "123456");
    assert_eq!(code(&t.send(sale).await), "00", "the fault hit one sale only");

    bench.host.script(script(FaultAction::Answer(AnswerFault::WrongStan)));
    let sale = t.sale("000000000100", "123456");
    let stan = sale.text(11).unwrap().to_string();
    assert_ne!(t.send(sale).await.text(11), Some(stan.as_str()));
    bench
        .host
        .script(script(FaultAction::Answer(AnswerFault::WrongTerminal)));
    let sale = t.sale("000000000100", "123456");
    assert_eq!(t.send(sale).await.text(41), Some("99999999"));
    bench.host.script(script(FaultAction::Answer(AnswerFault::WrongMti)));
    let sale = t.sale("000000000100", "123456");
    assert_eq!(t.send(sale).await.mti, "0230");

    bench.host.script(script(FaultAction::Answer(AnswerFault::CorruptMac)));
    let sale = t.sale("000000000100", "123456");
    let mut body = sale.with_bytes(64, vec![0; 8]).pack().unwrap();
    let n = body.len() - 8;
    let mac = crypto::unionpay_ecb_mac(t.mac_key.as_ref().unwrap().as_ref(), &body[..n]);
    body[n..].copy_from_slice(&mac);
    let (raw, _) = t.raw_exchange(&body).await;
    let good = crypto::unionpay_ecb_mac(t.mac_key.as_ref().unwrap().as_ref(), &raw[..raw.len() - 8]);
    assert_ne!(good[..], raw[raw.len() - 8..], "the MAC is wrong");

    bench.host.script(script(FaultAction::Transport(TransportFault::Delay(
        Duration::from_millis(300),
    ))));
    let sale = t.sale("000000000100", "123456");
    let started = std::time::Instant::now();
    t.send(sale).await;
    assert!(started.elapsed() >= Duration::from_millis(300));

    for action in [
        FaultAction::Transport(TransportFault::DropAfterRequest),
        FaultAction::Transport(TransportFault::DropMidResponse),
        FaultAction::Transport(TransportFault::NoAnswer),
    ] {
        bench.host.script(script(action.clone()));
        let mut t2 = Terminal::signed_on(&bench).await;
        let sale = t2.sale("000000000100", "123456");
        t2.stream
            .write_all(&t2.envelope.frame(&sale.pack().unwrap()))
            .await
            .unwrap();
        let mut got = Vec::new();
        let read = tokio::time::timeout(Duration::from_millis(500), t2.stream.read_to_end(&mut got)).await;
        match action {
            FaultAction::Transport(TransportFault::NoAnswer) => {
                assert!(read.is_err(), "nothing arrives and the connection stays open")
            }
            FaultAction::Transport(TransportFault::DropAfterRequest) => {
                assert_eq!(got.len(), 0, "closed without a byte")
            }
            _ => {
                let announced = usize::from(u16::from_be_bytes([got[0], got[1]])) + 2;
                assert!(
                    got.len() < announced,
                    "half an answer ({} of {announced} bytes), then closed",
                    got.len()
                );
            }
        }
    }

    bench.host.go_down();
    assert!(
        TcpStream::connect(bench.handle.addr).await.is_err(),
        "connection refused while down"
    );
    bench.host.come_up().await.expect("up again");
    let mut t3 = Terminal::signed_on(&bench).await;
    let sale = t3.sale("000000000100", "123456");
    assert_eq!(code(&t3.send(sale).await), "00");
}

#[tokio::test]
async fn bad_input_gets_a_format_error_or_a_clean_close_and_others_are_served() {
    let bench = host(CipherFamily::Des).await;
    let mut good = Terminal::signed_on(&bench).await;

    // Bad BCD in the STAN: the envelope and MTI are readable, so 0210 / 30.
    let mut t = Terminal::connect(&bench).await;
    let mut body = Message::new("0200")
        .with(3, "000000")
        .with(11, "000001")
        .pack()
        .unwrap();
    let last = body.len() - 1;
    body[last] = 0xAB;
    let (_, answer) = t.raw_exchange(&body).await;
    assert_eq!((answer.mti.as_str(), code(&answer)), ("0210", "30"));

    // Oversized length, and a truncated frame: closed without an answer.
    let mut t = TcpStream::connect(bench.handle.addr).await.unwrap();
    t.write_all(&[0xFF, 0xFF, 0x60]).await.unwrap();
    assert!(closed_without_answer(&mut t).await);
    let mut t = TcpStream::connect(bench.handle.addr).await.unwrap();
    t.write_all(&[0x00, 0x40, 0x60, 0x00, 0x03]).await.unwrap();
    assert!(
        closed_without_answer(&mut t).await,
        "closed once the frame timeout passed"
    );

    // The well-behaved terminal is still served.
    let sale = good.sale("000000000100", "123456");
    assert_eq!(code(&good.send(sale).await), "00");
}

/// The host closed the connection (cleanly or with a reset) and sent nothing.
async fn closed_without_answer(stream: &mut TcpStream) -> bool {
    let mut got = Vec::new();
    match stream.read_to_end(&mut got).await {
        Ok(n) => n == 0,
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset && got.is_empty(),
    }
}

#[tokio::test]
async fn chip_sales_have_their_arqc_checked_and_get_an_arpc() {
    // Field 55 and the expected ARPC: rig/tests/vectors/emv_vectors.txt (pyemv 1.5.0).
    let bench = host(CipherFamily::Des).await;
    let mut t = Terminal::signed_on(&bench).await;
    let f55 = |arqc: &str| {
        rig::emv::build_tlv(&[
            ("9F26", &hex::decode(arqc).unwrap()),
            ("9F27", &[0x80]),
            ("9F10", &hex::decode("07010103A0A000010A01000000000000").unwrap()),
            ("9F37", &hex::decode("12345678").unwrap()),
            ("9F36", &[0x00, 0x01]),
            ("95", &[0; 5]),
            ("9A", &hex::decode("261124").unwrap()),
            ("9C", &[0x00]),
            ("9F02", &hex::decode("000000010000").unwrap()),
            ("5F2A", &[0x01, 0x56]),
            ("82", &[0x7C, 0x00]),
            ("9F1A", &[0x01, 0x56]),
            ("9F03", &[0; 6]),
        ])
    };
    let chip = t
        .sale("000000010000", "123456")
        .with(22, "051")
        .with(23, "001")
        .with_bytes(55, f55("F2296AB9717D2AC0"));
    let answer = t.send(chip).await;
    assert_eq!(code(&answer), "00");
    assert_eq!(
        answer.bytes(55).map(hex::encode_upper),
        Some("910ABCD720F4567F5ECF3030".to_string())
    );
    let forged = t
        .sale("000000010000", "123456")
        .with(22, "051")
        .with(23, "001")
        .with_bytes(55, f55("0000000000000000"));
    assert_eq!(code(&t.send(forged).await), "34", "ARQC failure");
    assert_eq!(
        bench.host.balance_fen(PAN),
        Some(90_000),
        "the forged one moved no money"
    );
}

#[tokio::test]
async fn encrypted_track_data_is_decrypted_with_the_track_key() {
    let bench = host(CipherFamily::Des).await;
    let mut t = Terminal::connect(&bench).await;
    let f62 = t.sign_on("004", CipherFamily::Des).await;
    let track_key = Terminal::track_key(&f62);
    let track = format!("{PAN}=49121011234567890");
    let encrypted = crypto::crypt_track(&track_key, &track, true).expect("encrypts");
    assert_ne!(encrypted, track);
    let mut sale = t.sale("000000000100", "123456");
    sale.fields.remove(&2);
    let sale = sale.with(35, encrypted).with(53, "1610000000000000");
    assert_eq!(
        code(&t.send(sale).await),
        "00",
        "the host found the PAN inside the encrypted track"
    );
    assert_eq!(bench.host.balance_fen(PAN), Some(99_900));
}
