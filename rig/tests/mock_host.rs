//! The mock host over TCP, driven by a terminal written here from the codec
//! and crypto primitives (independent of vterm): sign-on, then sales.

use rig::config::card::{CardProfile, Issuer as CardIssuer};
use rig::config::dialect::{Dialect, MacAlgorithm};
use rig::events::Timeline;
use rig::host::MockHost;
use rig::host::codec::{Envelope, Message};
use rig::host::crypto::{self, DesKey};
use rig::host::issuer::Issuer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TMK: [u8; 16] = [
    0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10,
];
const PAN: &str = "6222021234567890128";

fn dialect() -> Dialect {
    Dialect {
        name: "test".into(),
        mac: MacAlgorithm::UnionpayEcb,
        key_layout: "003".into(),
        acquirer_id: "03010000".into(),
        issuer_id: "01020000".into(),
        card_brand: "CUP".into(),
    }
}

fn card() -> CardProfile {
    CardProfile {
        description: "test".into(),
        pan: PAN.into(),
        expiry: "2912".into(),
        service_code: "101".into(),
        discretionary: String::new(),
        track3: None,
        issuer: CardIssuer {
            pin: "123456".into(),
            balance: "150.00".into(),
        },
    }
}

struct Terminal {
    stream: TcpStream,
    envelope: Envelope,
}

impl Terminal {
    async fn exchange(&mut self, body: &[u8]) -> (Vec<u8>, Message) {
        self.stream.write_all(&self.envelope.frame(body)).await.expect("send");
        let len = self.stream.read_u16().await.expect("length");
        let mut frame = vec![0; usize::from(len)];
        self.stream.read_exact(&mut frame).await.expect("frame");
        let (reply, body) = Envelope::split(&frame).expect("envelope");
        assert_eq!(reply.tpdu, self.envelope.reply().tpdu, "TPDU addresses swapped");
        (body.to_vec(), Message::unpack(body).expect("decodes"))
    }
}

fn with_mac(msg: Message, mac_key: &DesKey) -> Vec<u8> {
    let mut body = msg.with_bytes(64, vec![0; 8]).pack().expect("packs");
    let n = body.len() - 8;
    let mac = crypto::unionpay_ecb_mac(mac_key, &body[..n]);
    body[n..].copy_from_slice(&mac);
    body
}

fn sale(stan: &str, amount: &str, pin: &str, pin_key: &DesKey) -> Message {
    let block = pin_key.encrypt_block(crypto::pin_block_clear(pin, PAN));
    Message::new("0200")
        .with(2, PAN)
        .with(3, "000000")
        .with(4, amount)
        .with(11, stan)
        .with(22, "021")
        .with(25, "00")
        .with(35, format!("{PAN}=2912101"))
        .with(41, "10000001")
        .with(42, "898310048990001")
        .with(49, "156")
        .with_bytes(52, block.to_vec())
        .with(60, "22000001")
}

#[tokio::test]
async fn sign_on_then_sales_are_answered_by_the_issuer_model() {
    let timeline = Timeline::new();
    let card = card();
    let host = MockHost::new(dialect(), TMK, Issuer::new([&card]), timeline.clone());
    let handle = host.start("127.0.0.1:0").await.expect("listens");
    let stream = TcpStream::connect(handle.addr).await.expect("connects");
    let envelope = Envelope {
        tpdu: vec![0x60, 0x00, 0x03, 0x00, 0x00],
        header: vec![0x60, 0x31, 0, 0, 0, 1],
    };
    let mut terminal = Terminal { stream, envelope };

    // Sign-on: keys under the TMK, each with its check value.
    let signon = Message::new("0800")
        .with(11, "000001")
        .with(41, "10000001")
        .with(60, "00000001003");
    let (_, answer) = terminal.exchange(&signon.pack().expect("packs")).await;
    assert_eq!((answer.mti.as_str(), answer.text(39)), ("0810", Some("00")));
    let f62 = answer.bytes(62).expect("field 62");
    assert_eq!(f62.len(), 40);
    let tmk = DesKey::new(&TMK).expect("tmk");
    let pin_key = tmk.decrypt_ecb(&f62[0..16]).expect("pin key");
    let mac_key = tmk.decrypt_ecb(&f62[20..28]).expect("mac key");
    assert_eq!(crypto::check_value(&pin_key).expect("kcv"), f62[16..20]);
    assert_eq!(crypto::check_value(&mac_key).expect("kcv"), f62[36..40]);
    let (pin_key, mac_key) = (DesKey::new(&pin_key).expect("key"), DesKey::new(&mac_key).expect("key"));

    // Approved: echoes, an auth code, and a MAC the terminal can verify.
    let (raw, answer) = terminal
        .exchange(&with_mac(sale("000002", "000000010000", "123456", &pin_key), &mac_key))
        .await;
    assert_eq!((answer.mti.as_str(), answer.text(39)), ("0210", Some("00")));
    for f in [3, 4, 11, 41, 42] {
        assert!(answer.text(f).is_some(), "field {f} echoed");
    }
    assert_eq!(answer.text(11), Some("000002"));
    assert_eq!(answer.text(38).map(str::len), Some(6));
    assert_eq!(
        crypto::unionpay_ecb_mac(&mac_key, &raw[..raw.len() - 8]),
        raw[raw.len() - 8..]
    );

    // Wrong PIN: 55. Then 60.00 left of 150.00: a 100.00 sale gets 51.
    let (_, answer) = terminal
        .exchange(&with_mac(sale("000003", "000000001000", "000000", &pin_key), &mac_key))
        .await;
    assert_eq!(answer.text(39), Some("55"));
    let (_, answer) = terminal
        .exchange(&with_mac(sale("000004", "000000010000", "123456", &pin_key), &mac_key))
        .await;
    assert_eq!(answer.text(39), Some("51"));

    // A corrupted MAC: A0, and the sale is not authorised.
    let mut tampered = with_mac(sale("000005", "000000001000", "123456", &pin_key), &mac_key);
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let (_, answer) = terminal.exchange(&tampered).await;
    assert_eq!(answer.text(39), Some("A0"));
}
