//! The cash register (ECR) side of the terminal's second serial line: sends
//! request lines, publishes every line both ways on the timeline.

use super::DeviceError;
use crate::events::{Kind, Source, Timeline};
use serialport::SerialPort;
use std::io::Write;
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
        let reading = port.try_clone().map_err(|e| err(e.to_string()))?;
        let stop = Arc::new(AtomicBool::new(false));
        let tl = timeline.clone();
        let reader = super::lines::spawn_line_reader("ECR".into(), reading, stop.clone(), move |line| {
            tl.publish(Source::Ecr, Kind::EcrReceived { line });
        })?;
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

impl CashRegister {
    /// Stops reading the line, waiting for the reader off the async runtime.
    pub async fn shut(&mut self) -> Result<(), String> {
        self.stop.store(true, Ordering::Relaxed);
        match self.reader.take() {
            Some(r) => super::lines::join_stopped(r, "ECR").await,
            None => Ok(()),
        }
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
