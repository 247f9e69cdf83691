//! The timeline: every device and the host publish events here, steps await
//! them with deadlines, and sinks (the trace) receive each one as it happens.
//!
//! Over 500 lines only with its tests (the code is under 450): the event
//! kinds are one vocabulary that every device, sink and step shares, so they
//! stay in one file rather than be split by source.

use crate::iso8583::txn::TxnKind;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Notify;

/// Who published an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    Console,
    Keypad,
    Power,
    /// The debug probe (flashing a lab terminal).
    Probe,
    Swipe,
    Scanner,
    Ecr,
    CardLink,
    Host,
    Rig,
}

/// What happened. Sensitive values are kept clear here (steps need them);
/// sinks mask them (see `mask`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Kind {
    /// A console line the profile does not classify further.
    ConsoleLine {
        line: String,
    },
    /// The boot loader refused the firmware image.
    BootFailure {
        line: String,
        reason: String,
    },
    /// The boot banner.
    Boot {
        line: String,
        version: String,
    },
    /// The terminal's display changed.
    Display {
        line: String,
        text: String,
    },
    /// The printer printed a line.
    Print {
        line: String,
        text: String,
    },
    /// The printer cut the paper: one receipt ends.
    Cut {
        line: String,
    },
    /// A key pressed by the robot; `line` is its GPIO line (left out
    /// where it would tell a PIN digit).
    KeyPress {
        key: String,
        line: Option<usize>,
    },
    KeyRelease {
        key: String,
        line: Option<usize>,
    },
    Swipe {
        track2: String,
        track3: Option<String>,
    },
    CardInserted {
        atr: String,
    },
    CardRemoved,
    /// A line from the cash register to the terminal, and back.
    EcrSent {
        line: String,
    },
    EcrReceived {
        line: String,
    },
    /// A payment code shown to the terminal's scanner.
    CodeShown {
        code: String,
    },
    Apdu {
        command: String,
        response: String,
    },
    HostReceived {
        mti: String,
        /// The transaction the host took it for ("sale", "reversal", ...).
        txn: TxnKind,
        fields: Vec<(u8, String)>,
        /// The whole frame as it crossed the wire, hex: 2-byte length,
        /// TPDU, header, MTI, bitmap, fields.
        raw: String,
        /// Fields a sink masked in place (in `fields` and `raw` alike).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        masked: Vec<u8>,
    },
    HostSent {
        mti: String,
        txn: TxnKind,
        fields: Vec<(u8, String)>,
        raw: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        masked: Vec<u8>,
    },
    /// An answer the host decided on but did not put on the wire (a
    /// transport fault: silence, a dropped connection; `sent` bytes of it
    /// crossed before the drop). Never the same as `HostSent`.
    HostWithheld {
        mti: String,
        txn: TxnKind,
        fields: Vec<(u8, String)>,
        raw: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        masked: Vec<u8>,
        why: String,
        sent: usize,
    },
    HostError {
        error: String,
        /// The frame that could not be read, hex (length prefix included).
        #[serde(skip_serializing_if = "Option::is_none")]
        raw: Option<String>,
    },
    PowerOn {
        program: String,
    },
    PowerOff {
        exit: String,
    },
    /// A note of the rig's (flashed an image, paper loaded, ...).
    Step {
        text: String,
    },
    /// A step of the scenario began (`line` in its feature file).
    StepStarted {
        text: String,
        line: usize,
    },
    /// ... and ended: `status` passed or failed, with the failure's text.
    StepFinished {
        text: String,
        status: String,
        duration_ms: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A lab serial port went away (unplugged, or the terminal's USB re-enumerated).
    PortLost {
        port: String,
        error: String,
    },
    /// It came back after `gap_ms`: lines sent in the gap are lost.
    PortBack {
        port: String,
        gap_ms: u64,
    },
    /// It did not come back in time: a bench fault.
    PortGone {
        port: String,
        waited_ms: u64,
    },
    /// Flashing a lab terminal through the debug probe.
    Flash {
        stage: String,
        detail: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub seq: usize,
    /// Microseconds since the timeline started.
    pub t_us: u64,
    pub source: Source,
    #[serde(flatten)]
    pub kind: Kind,
}

/// A position on the timeline: events from here on are "new".
pub type Cursor = usize;

type Sink = Box<dyn Fn(&Event) + Send + Sync>;

struct Inner {
    /// False for a long-running process (`rig host`): events go to the sinks only.
    keep: bool,
    started: Instant,
    wall_start: SystemTime,
    events: Mutex<Vec<Arc<Event>>>,
    published: std::sync::atomic::AtomicUsize,
    sinks: Mutex<Vec<Sink>>,
    changed: Notify,
}

#[derive(Clone)]
pub struct Timeline {
    inner: Arc<Inner>,
}

/// A wait that did not get what it waited for.
#[derive(Debug)]
pub struct Timeout {
    pub what: String,
    pub waited: Duration,
    /// A serial port that was lost (and not back) when the wait ran out:
    /// then the bench, not the terminal, is why nothing was seen.
    pub port_down: Option<String>,
    /// What made the awaited thing impossible, when the wait ended early.
    pub instead: Option<String>,
    /// The last display lines before the wait ended: (microseconds, text).
    pub recent_display: Vec<(u64, String)>,
}

impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.instead {
            Some(instead) => write!(f, "no {}: {instead}", self.what)?,
            None => write!(f, "no {} within {:?}", self.what, self.waited)?,
        }
        if let Some(port) = &self.port_down {
            write!(f, " while {port}")?;
        }
        if !self.recent_display.is_empty() {
            f.write_str("\nlast display lines:")?;
            for (t_us, text) in &self.recent_display {
                write!(f, "\n  {:>9.3} s  {text}", *t_us as f64 / 1e6)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Timeout {}

/// What a wait makes of one event.
pub enum Seen<T> {
    /// The awaited thing.
    Found(T),
    /// Something after which the awaited thing can no longer come: why.
    Ended(String),
    Pending,
}

/// How many display lines a failed wait reports.
const RECENT_DISPLAY: usize = 5;

fn recent_display(events: &[Arc<Event>]) -> Vec<(u64, String)> {
    let mut shown: Vec<(u64, String)> = events
        .iter()
        .rev()
        .filter_map(|e| match &e.kind {
            Kind::Display { text, .. } => Some((e.t_us, text.clone())),
            _ => None,
        })
        .take(RECENT_DISPLAY)
        .collect();
    shown.reverse();
    shown
}

/// The serial port that is down now, if any: its last event is a loss
/// without a return, or it is gone.
fn port_down(events: &[Arc<Event>]) -> Option<String> {
    let mut down: Vec<(String, String)> = Vec::new();
    for e in events {
        match &e.kind {
            Kind::PortLost { port, error } => {
                down.push((port.clone(), format!("the serial port {port} was lost ({error})")))
            }
            Kind::PortGone { port, waited_ms } => {
                down.retain(|(p, _)| p != port);
                down.push((
                    port.clone(),
                    format!("the serial port {port} was gone (not back within {waited_ms} ms)"),
                ));
            }
            Kind::PortBack { port, .. } => down.retain(|(p, _)| p != port),
            _ => {}
        }
    }
    down.pop().map(|(_, why)| why)
}

impl Default for Timeline {
    fn default() -> Self {
        Self::new()
    }
}

impl Timeline {
    pub fn new() -> Timeline {
        Self::build(true)
    }

    /// A timeline that keeps no history: sinks see every event, nothing can be
    /// awaited. For long-running processes whose memory must stay flat.
    pub fn streaming() -> Timeline {
        Self::build(false)
    }

    fn build(keep: bool) -> Timeline {
        Timeline {
            inner: Arc::new(Inner {
                keep,
                started: Instant::now(),
                wall_start: SystemTime::now(),
                events: Mutex::new(Vec::new()),
                published: std::sync::atomic::AtomicUsize::new(0),
                sinks: Mutex::new(Vec::new()),
                changed: Notify::new(),
            }),
        }
    }

    pub fn wall_start(&self) -> SystemTime {
        self.inner.wall_start
    }

    fn events(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Event>>> {
        self.inner.events.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a sink that sees every event published from now on, in order.
    pub fn subscribe(&self, sink: impl Fn(&Event) + Send + Sync + 'static) {
        self.inner
            .sinks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Box::new(sink));
    }

    pub fn publish(&self, source: Source, kind: Kind) {
        let published: Result<(), std::convert::Infallible> = self.publish_if(source, || Ok(kind));
        let Ok(()) = published;
    }

    /// Runs `act` under the timeline's lock and publishes the event it
    /// returns, stamped when it ran; publishes nothing when it fails. For
    /// a device that puts bytes on a wire: whatever the other side does
    /// about them (its display, its answer) is published after this event,
    /// because no one can publish while `act` runs. `act` must not block.
    pub fn publish_if<E>(&self, source: Source, act: impl FnOnce() -> Result<Kind, E>) -> Result<(), E> {
        let mut events = self.events();
        let kind = act()?;
        let seq = self.inner.published.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let event = Arc::new(Event {
            seq,
            t_us: self.inner.started.elapsed().as_micros() as u64,
            source,
            kind,
        });
        if self.inner.keep {
            events.push(event.clone());
        }
        for sink in self.inner.sinks.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            sink(&event);
        }
        drop(events);
        self.inner.changed.notify_waiters();
        Ok(())
    }

    /// The cursor after the newest event.
    pub fn now(&self) -> Cursor {
        self.events().len()
    }

    /// Events from `from` on.
    pub fn since(&self, from: Cursor) -> Vec<Arc<Event>> {
        let events = self.events();
        events.get(from..).map(<[_]>::to_vec).unwrap_or_default()
    }

    /// Waits until an event at or after `from` satisfies `pick`; returns the
    /// picked value and the cursor just after that event.
    pub async fn wait_for<T>(
        &self,
        from: Cursor,
        deadline: Duration,
        what: impl Into<String>,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> Result<(T, Cursor), Timeout> {
        self.wait_until(from, deadline, what, |e| pick(e).map_or(Seen::Pending, Seen::Found))
            .await
    }

    /// Waits like [`Timeline::wait_for`], and fails at once when `judge`
    /// says the awaited thing can no longer come.
    pub async fn wait_until<T>(
        &self,
        from: Cursor,
        deadline: Duration,
        what: impl Into<String>,
        mut judge: impl FnMut(&Event) -> Seen<T>,
    ) -> Result<(T, Cursor), Timeout> {
        let until = tokio::time::Instant::now() + deadline;
        let mut next = from;
        // Times in the reason count from the start of the watched window
        // (the transaction, for most steps).
        let mut window_start = None;
        let failed = |instead: Option<String>| {
            let events = self.since(0);
            Timeout {
                what: what.into(),
                waited: deadline,
                port_down: port_down(&events),
                instead,
                recent_display: recent_display(&events),
            }
        };
        loop {
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            for event in self.since(next) {
                next = event.seq + 1;
                let start = *window_start.get_or_insert(event.t_us);
                match judge(&event) {
                    Seen::Found(found) => return Ok((found, next)),
                    Seen::Ended(why) => {
                        let since = event.t_us.saturating_sub(start) as f64 / 1e6;
                        return Err(failed(Some(format!(
                            "{why} at {since:.2} s ({:.3} s on the timeline)",
                            event.t_us as f64 / 1e6
                        ))));
                    }
                    Seen::Pending => {}
                }
            }
            if tokio::time::timeout_at(until, changed).await.is_err() {
                return Err(failed(None));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_wait_that_runs_out_while_the_console_is_unplugged_says_so() {
        let timeline = Timeline::new();
        let port = "USB 0403:6001".to_string();
        let nothing = |_: &Event| None::<()>;
        timeline.publish(
            Source::Console,
            Kind::PortLost {
                port: port.clone(),
                error: "Input/output error".into(),
            },
        );
        let t = timeline
            .wait_for(0, Duration::from_secs(5), "prompt \"pin\"", nothing)
            .await
            .expect_err("nothing comes");
        assert_eq!(
            t.to_string(),
            "no prompt \"pin\" within 5s while the serial port USB 0403:6001 was lost (Input/output error)"
        );
        timeline.publish(Source::Console, Kind::PortBack { port, gap_ms: 800 });
        let t = timeline
            .wait_for(0, Duration::from_secs(5), "prompt \"pin\"", nothing)
            .await
            .expect_err("nothing comes");
        assert!(t.port_down.is_none(), "{t}");
    }

    #[tokio::test]
    async fn waiting_sees_events_published_later() {
        let timeline = Timeline::new();
        let from = timeline.now();
        let publisher = timeline.clone();
        tokio::spawn(async move {
            publisher.publish(Source::Console, Kind::ConsoleLine { line: "a".into() });
            publisher.publish(Source::Console, Kind::ConsoleLine { line: "b".into() });
        });
        let (line, cursor) = timeline
            .wait_for(from, Duration::from_secs(5), "line b", |e| match &e.kind {
                Kind::ConsoleLine { line } if line == "b" => Some(line.clone()),
                _ => None,
            })
            .await
            .unwrap();
        assert_eq!(line, "b");
        assert_eq!(cursor, 2);
    }

    #[tokio::test]
    async fn waiting_times_out_with_what_was_awaited() {
        let timeline = Timeline::new();
        let err = timeline
            .wait_for(0, Duration::from_millis(50), "the approval", |_| Some(()))
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "no the approval within 50ms");
    }

    #[test]
    fn sinks_see_every_event_in_order() {
        let timeline = Timeline::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        timeline.subscribe(move |e| s.lock().unwrap().push(e.seq));
        for _ in 0..3 {
            timeline.publish(Source::Rig, Kind::Step { text: "x".into() });
        }
        assert_eq!(*seen.lock().unwrap(), vec![0, 1, 2]);
    }
}
