//! `rig trace pcap`: the host link of a trace as a TCP conversation and the
//! card link's APDUs, as pcapng for Wireshark (pcap-file writes the blocks,
//! etherparse the IPv4 and TCP headers).
//!
//! Interface 0 (raw IPv4): the terminal at 192.0.2.2 talks to the host at
//! 192.0.2.1:6000 (TEST-NET addresses and a fixed port, so the dissector in
//! tools/wireshark/ finds it; the trace does not keep the bench's own). Each
//! request opens a connection (handshake just before it), its answer comes
//! on it, and it closes after the answer, or with a reset where the trace
//! shows the link failed. The frames are the trace's, masked as written.
//!
//! Interface 1 (DLT USER0): one packet per APDU, a direction byte (0 the
//! terminal's command, 1 the card's answer) then the bytes.
//!
//! Times: each packet at its event's time; the trace keeps times since the
//! bench was assembled, so they are placed before the trace file's
//! modification time (its last event).

use super::{Recorded, TraceError};
use etherparse::PacketBuilder;
use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};
use std::borrow::Cow;
use std::time::Duration;

pub const TERMINAL: [u8; 4] = [192, 0, 2, 2];
pub const HOST: [u8; 4] = [192, 0, 2, 1];
pub const HOST_PORT: u16 = 6000;

/// One TCP connection of the conversation.
struct Connection {
    port: u16,
    /// Next sequence numbers of the terminal and of the host.
    terminal_seq: u32,
    host_seq: u32,
}

struct Capture {
    packets: Vec<(u32, Duration, Vec<u8>)>,
    base: Duration,
}

impl Capture {
    fn push(&mut self, interface: u32, t_us: u64, data: Vec<u8>) {
        self.packets
            .push((interface, self.base + Duration::from_micros(t_us), data));
    }

    /// A TCP segment; `from_terminal` says the direction.
    fn segment(&mut self, c: &mut Connection, t_us: u64, from_terminal: bool, flags: &str, payload: &[u8]) {
        let (src, dst, sport, dport, seq, ack) = if from_terminal {
            (TERMINAL, HOST, c.port, HOST_PORT, c.terminal_seq, c.host_seq)
        } else {
            (HOST, TERMINAL, HOST_PORT, c.port, c.host_seq, c.terminal_seq)
        };
        let mut builder = PacketBuilder::ipv4(src, dst, 64).tcp(sport, dport, seq, 65535);
        for flag in flags.chars() {
            builder = match flag {
                'S' => builder.syn(),
                'F' => builder.fin(),
                'R' => builder.rst(),
                'P' => builder.psh(),
                _ => builder,
            };
        }
        if !flags.contains('S') || !from_terminal {
            builder = builder.ack(ack);
        }
        let mut packet = Vec::with_capacity(builder.size(payload.len()));
        if builder.write(&mut packet, payload).is_ok() {
            self.push(0, t_us, packet);
        }
        // SYN and FIN take one sequence number, data its length.
        let used = payload.len() as u32 + u32::from(flags.contains('S') || flags.contains('F'));
        if from_terminal {
            c.terminal_seq = c.terminal_seq.wrapping_add(used);
        } else {
            c.host_seq = c.host_seq.wrapping_add(used);
        }
    }

    fn open(&mut self, n: u16, t_us: u64) -> Connection {
        let mut c = Connection {
            port: 40000 + n,
            terminal_seq: 1000 * u32::from(n) + 1,
            host_seq: 500_000 + 1000 * u32::from(n) + 1,
        };
        let t = t_us.saturating_sub(3);
        self.segment(&mut c, t, true, "S", &[]);
        self.segment(&mut c, t + 1, false, "S", &[]);
        self.segment(&mut c, t + 2, true, "", &[]);
        c
    }

    fn close(&mut self, mut c: Connection, t_us: u64) {
        self.segment(&mut c, t_us, true, "F", &[]);
        self.segment(&mut c, t_us + 1, false, "F", &[]);
        self.segment(&mut c, t_us + 2, true, "", &[]);
    }
}

/// The capture of `events` as pcapng bytes; `end` is when the last event happened.
pub fn pcapng(events: &[Recorded], end: Duration) -> Result<Vec<u8>, TraceError> {
    let last_us = events.iter().map(|e| e.t_us).max().unwrap_or(0);
    let mut capture = Capture {
        packets: Vec::new(),
        base: end.saturating_sub(Duration::from_micros(last_us)),
    };
    let mut open: Option<Connection> = None;
    let mut exchanges: u16 = 0;
    for e in events {
        match e.kind.as_str() {
            "host-received" | "host-sent" => {
                let Ok(frame) = hex::decode(e.str("raw")) else { continue };
                let from_terminal = e.kind == "host-received";
                if from_terminal {
                    if let Some(c) = open.take() {
                        capture.close(c, e.t_us.saturating_sub(6));
                    }
                    exchanges = exchanges.wrapping_add(1);
                    open = Some(capture.open(exchanges, e.t_us));
                }
                if let Some(c) = open.as_mut() {
                    capture.segment(c, e.t_us, from_terminal, "P", &frame);
                }
                if !from_terminal {
                    if let Some(c) = open.take() {
                        capture.close(c, e.t_us + 1);
                    }
                }
            }
            "host-error" => {
                if let Some(mut c) = open.take() {
                    capture.segment(&mut c, e.t_us, false, "R", &[]);
                }
            }
            "apdu" => {
                for (direction, hex_text) in [(0u8, e.str("command")), (1u8, e.str("response"))] {
                    if let Ok(bytes) = hex::decode(hex_text) {
                        let mut data = vec![direction];
                        data.extend(bytes);
                        capture.push(1, e.t_us + u64::from(direction), data);
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(c) = open.take() {
        capture.close(c, last_us + 1);
    }
    write(capture)
}

fn write(capture: Capture) -> Result<Vec<u8>, TraceError> {
    let failed = |e: pcap_file::PcapError| TraceError::Pcap(e.to_string());
    let mut writer = PcapNgWriter::new(Vec::new()).map_err(failed)?;
    for (linktype, name) in [(DataLink::RAW, "host link"), (DataLink::USER0, "card link (APDUs)")] {
        writer
            .write_pcapng_block(InterfaceDescriptionBlock {
                linktype,
                snaplen: 0,
                options: vec![
                    InterfaceDescriptionOption::IfName(Cow::Borrowed(name)),
                    // Nanoseconds: what the writer puts in each packet's timestamp.
                    InterfaceDescriptionOption::IfTsResol(9),
                ],
            })
            .map_err(failed)?;
    }
    let mut packets = capture.packets;
    packets.sort_by_key(|(_, t, _)| *t);
    for (interface_id, timestamp, data) in packets {
        writer
            .write_pcapng_block(EnhancedPacketBlock {
                interface_id,
                timestamp,
                original_len: data.len() as u32,
                data: Cow::Owned(data),
                options: vec![],
            })
            .map_err(failed)?;
    }
    Ok(writer.into_inner())
}
