//! Benchmark (not a test): codec throughput and host round trips on loopback.
//! Run: cargo bench -p rig --bench host
//!
//! Prints pack+unpack per second for a sale 0200, then round trips per second
//! of MAC'd balance inquiries (PIN block decoded, MAC checked and generated)
//! against the mock host, beside a raw TCP echo server with the same framing
//! measured in the same run, and the ratio of the two. The host publishes
//! every message on a streaming timeline, as `rig host` does.

use rig::config::card::{CardProfile, CardStatus, Issuer as CardIssuer};
use rig::config::dialect::{Dialect, HostTimeouts, MacAlgorithm, QrCodes};
use rig::events::Timeline;
use rig::host::MockHost;
use rig::host::issuer::Issuer;
use rig::iso8583::codec::{Envelope, Message};
use rig::iso8583::crypto::{self, CipherFamily};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TMK: [u8; 16] = [
    0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10,
];
const PAN: &str = "6222021234567890128";

fn sale() -> Message {
    Message::new("0200")
        .with(2, PAN)
        .with(3, "000000")
        .with(4, "000000010000")
        .with(11, "000123")
        .with(14, "2912")
        .with(22, "021")
        .with(25, "00")
        .with(26, "12")
        .with(35, format!("{PAN}=29121011234567890"))
        .with(41, "10000001")
        .with(42, "898310048990001")
        .with(49, "156")
        .with_bytes(52, vec![0x1F; 8])
        .with(53, "1600000000000000")
        .with(60, "22000001000")
        .with_bytes(64, b"C23EE5F7".to_vec())
}

fn codec(seconds: f64) -> f64 {
    let msg = sale();
    let mut n = 0u64;
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < seconds {
        for _ in 0..1000 {
            let bytes = msg.pack().expect("packs");
            black_box(Message::unpack(black_box(&bytes)).expect("unpacks"));
        }
        n += 1000;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

async fn exchange(stream: &mut TcpStream, frame: &[u8]) -> Vec<u8> {
    stream.write_all(frame).await.expect("send");
    let len = stream.read_u16().await.expect("len");
    let mut buf = vec![0; usize::from(len)];
    stream.read_exact(&mut buf).await.expect("frame");
    buf
}

async fn round_trips(stream: &mut TcpStream, frame: &[u8], seconds: f64) -> f64 {
    let mut n = 0u64;
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < seconds {
        black_box(exchange(stream, frame).await);
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

async fn echo_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                loop {
                    let Ok(len) = s.read_u16().await else { return };
                    let mut buf = vec![0; usize::from(len)];
                    if s.read_exact(&mut buf).await.is_err() {
                        return;
                    }
                    let mut out = len.to_be_bytes().to_vec();
                    out.extend(buf);
                    if s.write_all(&out).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

async fn host_frame(stream: &mut TcpStream, envelope: &Envelope) -> Vec<u8> {
    let signon = Message::new("0800")
        .with(11, "000001")
        .with(41, "10000001")
        .with(60, "00000001003");
    let answer = exchange(stream, &envelope.frame(&signon.pack().expect("packs"))).await;
    let f62 = Message::unpack(&answer[11..])
        .expect("0810")
        .bytes(62)
        .expect("keys")
        .to_vec();
    let tmk = CipherFamily::Des.key(&TMK).expect("tmk");
    let pin = CipherFamily::Des
        .key(&crypto::decrypt_ecb(tmk.as_ref(), &f62[..16]).expect("pin"))
        .expect("pin");
    let mac = CipherFamily::Des
        .key(&crypto::decrypt_ecb(tmk.as_ref(), &f62[20..28]).expect("mac"))
        .expect("mac");
    let mut block = crypto::pin_block_clear("123456", PAN).to_vec();
    pin.encrypt(&mut block);
    let inquiry = Message::new("0200")
        .with(2, PAN)
        .with(3, "310000")
        .with(11, "000002")
        .with(22, "021")
        .with(25, "00")
        .with(41, "10000001")
        .with(42, "898310048990001")
        .with(49, "156")
        .with_bytes(52, block)
        .with(60, "01000001")
        .with_bytes(64, vec![0; 8]);
    let mut body = inquiry.pack().expect("packs");
    let n = body.len() - 8;
    let m = crypto::unionpay_ecb_mac(mac.as_ref(), &body[..n]);
    body[n..].copy_from_slice(&m);
    envelope.frame(&body)
}

fn main() {
    let seconds = std::env::var("RIG_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    println!("rig host benchmark, {seconds} s per measurement");
    let codec_rate = codec(seconds);
    println!("codec: sale 0200 pack+unpack      {codec_rate:>12.0} /s");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let card = CardProfile {
            description: "bench".into(),
            pan: PAN.parse().unwrap(),
            expiry: "4912".parse().unwrap(),
            service_code: "101".into(),
            discretionary: String::new(),
            track3: None,
            issuer: CardIssuer {
                pin: "123456".into(),
                balance: "1000.00".parse().unwrap(),
                pin_tries: 3,
                status: CardStatus::Active,
                single_limit: None,
                imk: None,
                imk_smi: None,
                imk_smc: None,
            },
            ..Default::default()
        };
        let dialect = Dialect {
            name: "bench".into(),
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
            ca_keys: None,
            capks: Vec::new(),
        };
        let host = MockHost::new(dialect, TMK, Issuer::new([&card]), Timeline::streaming()).expect("host");
        let handle = host.start("127.0.0.1:0").await.expect("listens");
        let envelope = Envelope {
            tpdu: vec![0x60, 0, 3, 0, 0],
            header: vec![0x60, 0x31, 0, 0, 0, 1],
        };
        let mut stream = TcpStream::connect(handle.addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let frame = host_frame(&mut stream, &envelope).await;
        let answer = exchange(&mut stream, &frame).await;
        assert_eq!(
            Message::unpack(&answer[11..]).expect("0210").text(39),
            Some("00"),
            "inquiry approved"
        );

        let echo = echo_server().await;
        let mut echo_stream = TcpStream::connect(echo).await.expect("connect");
        echo_stream.set_nodelay(true).expect("nodelay");
        // Warm both paths before measuring.
        round_trips(&mut echo_stream, &frame, 0.2).await;
        round_trips(&mut stream, &frame, 0.2).await;
        let echo_rate = round_trips(&mut echo_stream, &frame, seconds).await;
        let host_rate = round_trips(&mut stream, &frame, seconds).await;
        println!("loopback TCP echo, same framing    {echo_rate:>12.0} round trips/s");
        println!("mock host, MAC'd balance inquiry   {host_rate:>12.0} round trips/s");
        println!("host / echo                        {:>12.2}", host_rate / echo_rate);
        drop(handle);
        tokio::time::sleep(Duration::from_millis(10)).await;
    });
}
