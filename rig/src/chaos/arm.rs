//! Arming one injection on a live bench: host faults are scripted into the
//! mock host up front (the n-th request of a kind); the others act from a
//! timeline sink at the exact event (the sink runs under the timeline's
//! lock, before the event's sender goes on: the host has not answered yet,
//! the card's answer is not back, the receipt's first line is just out).

use super::injection::{Fault, Injection, Point, PointCounter};
use crate::bench::LiveBench;
use crate::events::{Kind, Source};
use crate::host::faults::{Fault as HostFault, FaultAction, TransportFault};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Whether, and where, the armed fault struck.
#[derive(Debug, Default)]
pub struct Fired {
    /// The timeline sequence number of the event it struck at.
    at: Mutex<Option<usize>>,
    /// Off once the recovery starts: its keys and messages are not points.
    disarmed: AtomicBool,
    /// The fault ends the scenario's steps (a power cut: nothing they await can come).
    pub ends_steps: bool,
    struck: tokio::sync::Notify,
}

impl Fired {
    pub fn at(&self) -> Option<usize> {
        *self.at.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn disarm(&self) {
        self.disarmed.store(true, Ordering::SeqCst);
    }

    fn strike(&self, seq: usize) {
        *self.at.lock().unwrap_or_else(|p| p.into_inner()) = Some(seq);
        self.struck.notify_waiters();
    }

    /// Resolves once the fault has struck (at once if it has).
    pub async fn struck(&self) {
        loop {
            let notified = self.struck.notified();
            if self.at().is_some() {
                return;
            }
            notified.await;
        }
    }
}

/// Arms `injection` on `bench`; says where it struck through the returned [`Fired`].
pub fn arm(bench: &LiveBench, injection: &Injection) -> Result<Arc<Fired>, String> {
    let fired = Arc::new(Fired {
        ends_steps: injection.fault == Fault::Power,
        ..Fired::default()
    });
    let Some(target) = injection.point.clone() else {
        return Ok(fired);
    };
    if let Point::HostRequest { txn, nth } = &target {
        let transport = match injection.fault {
            Fault::HostDrop => Some(TransportFault::DropAfterRequest),
            Fault::HostSilent => Some(TransportFault::NoAnswer),
            Fault::HostLate => {
                let timeout = bench
                    .profile()
                    .timeouts
                    .host_answer_ms
                    .map(Duration::from_millis)
                    .ok_or(
                        "a late answer is made from the terminal profile's timeouts.host_answer_ms, which it lacks",
                    )?;
                // Past the terminal's timeout, with the margin the host steps use.
                Some(TransportFault::Delay(
                    timeout + (timeout / 4).max(Duration::from_millis(250)),
                ))
            }
            _ => None,
        };
        if let Some(t) = transport {
            bench.host.script(HostFault {
                kind: Some(*txn),
                remaining: Some(1),
                skip: nth - 1,
                action: FaultAction::Transport(t),
            });
        }
    }
    let handles = bench.fault_handles();
    let counter = Mutex::new(PointCounter::default());
    let (fault, sink_fired) = (injection.fault, fired.clone());
    let paper_missing = fault == Fault::PaperOut && handles.paper.is_none();
    if paper_missing {
        return Err("this bench has no paper sensor to run the printer out of paper with".into());
    }
    bench.timeline.subscribe(move |e| {
        if sink_fired.disarmed.load(Ordering::SeqCst) || sink_fired.at().is_some() {
            return;
        }
        let mut counter = counter.lock().unwrap_or_else(|p| p.into_inner());
        if !counter.points_of(e).iter().any(|p| p.point == target) {
            return;
        }
        match fault {
            Fault::Power => {
                handles.cut_power();
            }
            Fault::CardTear => handles.tear_card(),
            Fault::PaperOut => {
                if let Some(Err(err)) = handles.paper.as_ref().map(|p| p.set_out(true)) {
                    eprintln!("rig: chaos: cannot run the printer out of paper: {err}");
                }
            }
            // Scripted into the host already; this is where it strikes.
            Fault::HostDrop | Fault::HostSilent | Fault::HostLate | Fault::None => {}
        }
        sink_fired.strike(e.seq);
    });
    bench.timeline.publish(
        Source::Rig,
        Kind::Step {
            text: format!("chaos: armed {injection}"),
        },
    );
    Ok(fired)
}
