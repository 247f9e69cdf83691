//! The cash register (ECR) side of the terminal's second serial line: sends
//! request lines, publishes every line both ways on the timeline.

use super::DeviceError;
use crate::events::{Kind, Source, Timeline};
use serialport::SerialPort;
use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct CashRegister {
    port: Mutex<Box<dyn SerialPort>>,
    stop: Arc<AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
    timeline: Timeline,
}

impl CashRegister {
    pub fn attach(port: Box<dyn SerialPort>, timeline: Timeline) -> Result<CashRegister, DeviceError> {
        let err = |e: String| DeviceError::Console {
            port: "ECR".into(),
            message: e,
        };
        let mut reading = port.try_clone().map_err(|e| err(e.to_string()))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let tl = timeline.clone();
        let reader = std::thread::Builder::new()
            .name("ecr".into())
            .spawn(move || {
                let mut pending = Vec::new();
                let mut buf = [0u8; 256];
                while !stopping.load(Ordering::Relaxed) {
                    match reading.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => pending.extend_from_slice(&buf[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
                        Err(_) => break,
                    }
                    while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                        let raw: Vec<u8> = pending.drain(..=end).collect();
                        let line = String::from_utf8_lossy(&raw).trim_end().to_string();
                        tl.publish(Source::Ecr, Kind::EcrReceived { line });
                    }
                }
            })
            .map_err(|e| err(e.to_string()))?;
        Ok(CashRegister {
            port: Mutex::new(port),
            stop,
            reader: Some(reader),
            timeline,
        })
    }

    pub fn send(&self, line: &str) -> Result<(), DeviceError> {
        self.timeline.publish(Source::Ecr, Kind::EcrSent { line: line.into() });
        let mut port = self.port.lock().unwrap_or_else(|p| p.into_inner());
        port.write_all(format!("{line}\r\n").as_bytes())
            .and_then(|_| port.flush())
            .map_err(|e| DeviceError::Console {
                port: "ECR".into(),
                message: e.to_string(),
            })
    }
}

impl Drop for CashRegister {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }
}
