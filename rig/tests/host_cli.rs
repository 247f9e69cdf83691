//! `rig host`: the standalone mock acquirer, tried as a person would, with a
//! sign-on over TCP and its log lines read back.

use rig::iso8583::codec::{Envelope, Message};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn standalone_host_answers_and_logs_each_message() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rig"))
        .args(["host", "--listen", "127.0.0.1:0"])
        .current_dir(root)
        .stdout(Stdio::piped())
        .spawn()
        .expect("rig host starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let banner = lines.next().expect("a banner").expect("utf-8");
    let addr = banner
        .split_whitespace()
        .skip_while(|w| *w != "on")
        .nth(1)
        .expect("listen address")
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{banner}");

    let envelope = Envelope {
        tpdu: vec![0x60, 0, 3, 0, 0],
        header: vec![0x60, 0x31, 0, 0, 0, 1],
    };
    let signon = Message::new("0800")
        .with(11, "000001")
        .with(41, "10000001")
        .with(60, "00000001003");
    let mut stream = TcpStream::connect(&addr).expect("connects");
    stream
        .write_all(&envelope.frame(&signon.pack().expect("packs")))
        .expect("send");
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).expect("answer");
    let mut frame = vec![0; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut frame).expect("answer");
    let answer = Message::unpack(&frame[11..]).expect("decodes");
    assert_eq!(answer.text(39), Some("00"));

    let received = lines.next().expect("log line").expect("utf-8");
    assert!(
        received.contains("<- 0800 sign-on") && received.contains("STAN 000001"),
        "{received}"
    );
    let sent = lines.next().expect("log line").expect("utf-8");
    assert!(sent.contains("-> 0810 sign-on") && sent.contains("code 00"), "{sent}");
    let _ = child.kill();
    let _ = child.wait();
}
