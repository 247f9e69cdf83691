//! Waiting for the terminal: a prompt, an outcome, a display text, the
//! prompt the terminal shows now; each wait ends as soon as its outcome is
//! certain (`ended_by`: the power cut, the idle screen, another outcome, an
//! input prompt only a step can answer), and starts, while the terminal is
//! off, at the cut (`wait_start`).

use super::{BenchError, LiveBench};
use crate::config::ConfigError;
use crate::events::{Cursor, Kind, Seen, Source, Timeout};
use std::time::Duration;

impl LiveBench {
    /// Waits for the display to show the profile's prompt `name`.
    pub async fn await_prompt(
        &self,
        from: Cursor,
        name: &str,
        deadline: Duration,
    ) -> Result<(String, Cursor), BenchError> {
        let re = self.profile().prompt(name).ok_or_else(|| self.no_prompt(name))?;
        let ended = self.ended_by(Some(name));
        Ok(self
            .timeline
            .wait_until(
                self.wait_start(from),
                deadline,
                format!("prompt {name:?} ({re})"),
                |e| match &e.kind {
                    Kind::Display { text, .. } if re.is_match(text) => Seen::Found(text.clone()),
                    _ => ended(e).map_or(Seen::Pending, Seen::Ended),
                },
            )
            .await?)
    }

    /// Waits for a tapped card to be read ("card_read"), or for the terminal
    /// to refuse the tap and ask for the card another way ("use_chip": over
    /// its contactless transaction limit); which one is for the next steps.
    pub async fn await_tap_read(&self, from: Cursor, deadline: Duration) -> Result<(String, Cursor), BenchError> {
        let read = self
            .profile()
            .prompt("card_read")
            .ok_or_else(|| self.no_prompt("card_read"))?;
        let refused = self.profile().prompt("use_chip");
        let ended = self.ended_by(Some("card_read"));
        Ok(self
            .timeline
            .wait_until(
                self.wait_start(from),
                deadline,
                format!("prompt \"card_read\" ({read})"),
                |e| match &e.kind {
                    Kind::Display { text, .. } if read.is_match(text) => Seen::Found(text.clone()),
                    Kind::Display { text, .. } if refused.is_some_and(|re| re.is_match(text)) => {
                        Seen::Found(text.clone())
                    }
                    _ => ended(e).map_or(Seen::Pending, Seen::Ended),
                },
            )
            .await?)
    }

    /// Waits for outcome `name` of the transaction that began at `from`;
    /// fails at once, besides what [`LiveBench::ended_by`] ends, when the
    /// terminal moves on to a prompt that waits for a step's input (a
    /// prompt of `[flows]` answered with a datum, an application to choose,
    /// a chip to insert: a PIN asked again after a wrong one): the outcome
    /// cannot come while this step waits.
    pub async fn await_outcome(&self, from: Cursor, name: &str, deadline: Duration) -> Result<(), BenchError> {
        let profile = self.profile();
        let re = profile.prompt(name).ok_or_else(|| self.no_prompt(name))?.clone();
        let input = |text: &str| {
            profile
                .prompts
                .iter()
                .find(|(n, p)| {
                    // Prompts a step answers: a flow's data, and the
                    // cardholder's own choices.
                    let asks = profile.flows.takes_input(n) || ["choose_application", "use_chip"].contains(&n.as_str());
                    asks && !profile.responders.contains_key(n.as_str()) && p.is_match(text)
                })
                .map(|(n, _)| n.clone())
        };
        // The input prompt up when this step began may still echo the
        // step before (the last PIN digits shown after ENTER was pressed:
        // the terminal echoes keys as it scans them); asked with nothing
        // done since the prompt came up, it waits for a step. The prompt
        // "came up" at the first display of its unbroken run: its echoes
        // do not make it a new question, another screen between does.
        let started = self.timeline.now();
        let events = self.timeline.since(0);
        let asked_now = self.last_display().and_then(|t| input(&t));
        let mut came_up = None;
        for (at, e) in events.iter().enumerate().rev() {
            if let Kind::Display { text, .. } = &e.kind {
                if input(text) != asked_now {
                    break;
                }
                came_up = Some(at);
            }
        }
        let acted_since = came_up.is_some_and(|at| {
            events[at..].iter().any(|e| {
                matches!(
                    e.kind,
                    Kind::KeyPress { .. } | Kind::Swipe { .. } | Kind::CardInserted { .. } | Kind::CodeShown { .. }
                )
            })
        });
        let mut before = self.last_display().and_then(|t| input(&t));
        let shown_already = events
            .get(from..)
            .unwrap_or_default()
            .iter()
            .any(|e| matches!(&e.kind, Kind::Display { text, .. } if re.is_match(text)));
        if let (Some(asked), false, false, Some(text)) = (&before, acted_since, shown_already, self.last_display()) {
            if !re.is_match(&text) {
                return Err(BenchError::Terminal(format!(
                    "asks for {asked:?} ({text}), which only a step can answer: no {name:?} comes before it"
                )));
            }
        }
        let ended = self.ended_by(Some(name));
        self.timeline
            .wait_until(
                self.wait_start(from),
                deadline,
                format!("prompt {name:?} ({re})"),
                |e| match &e.kind {
                    Kind::Display { text, .. } if re.is_match(text) => Seen::Found(()),
                    Kind::Display { text, .. } if e.seq >= started => match input(text) {
                        Some(asked) if Some(&asked) != before.as_ref() => Seen::Ended(format!(
                            "the terminal asks for {asked:?} ({text}), which only a step can answer"
                        )),
                        Some(_) => Seen::Pending,
                        None => {
                            before = None;
                            ended(e).map_or(Seen::Pending, Seen::Ended)
                        }
                    },
                    _ => ended(e).map_or(Seen::Pending, Seen::Ended),
                },
            )
            .await?;
        Ok(())
    }

    fn no_prompt(&self, name: &str) -> BenchError {
        BenchError::Config(ConfigError::Semantic {
            path: self.plan.bench.resolve(&self.plan.bench.file.terminal_profile),
            message: format!("no prompt {name:?} in [prompts]"),
        })
    }

    /// Where a wait for the terminal's output starts: at `from`, or, while
    /// the terminal is off, at the power cut before it, so that the wait
    /// sees the cut and ends at once (nothing will show on a dead screen).
    pub fn wait_start(&self, from: Cursor) -> Cursor {
        if self.is_on() {
            return from;
        }
        let cut = self.timeline.since(0).iter().rev().find_map(|e| match e.kind {
            Kind::PowerOff { .. } => Some(e.seq),
            _ => None,
        });
        cut.map_or(from, |seq| seq.min(from))
    }

    /// What ends a wait during a transaction before its deadline: the power
    /// cut, the
    /// terminal back at idle (unless idle is `awaited`), or, when `awaited`
    /// is one of the profile's outcomes, another outcome shown.
    pub fn ended_by(&self, awaited: Option<&str>) -> impl Fn(&crate::events::Event) -> Option<String> + '_ {
        let profile = self.profile();
        let awaited_outcome: Option<&str> = awaited
            .and_then(|a| profile.outcomes.iter().find(|o| *o == a))
            .map(String::as_str);
        let idle = profile.prompt("idle").filter(|_| awaited != Some("idle"));
        let awaited_outcome = awaited_outcome.map(str::to_string);
        move |e| {
            let text = match &e.kind {
                Kind::Display { text, .. } => text,
                // Seen while waiting (not a cut the terminal has since come back from).
                Kind::PowerOff { .. } if !self.is_on() => return Some("the terminal's power was cut".into()),
                _ => return None,
            };
            if awaited_outcome.is_some() {
                let other = profile
                    .outcomes
                    .iter()
                    .filter(|o| Some(o.as_str()) != awaited_outcome.as_deref());
                for name in other {
                    if profile.prompt(name).is_some_and(|re| re.is_match(text)) {
                        return Some(format!("the terminal showed {name:?} ({text})"));
                    }
                }
            }
            idle.filter(|re| re.is_match(text))
                .map(|_| format!("the terminal was back at idle ({text})"))
        }
    }

    /// Waits for a display text `matches` accepts; fails at once when the
    /// transaction is over without it.
    pub async fn await_display(
        &self,
        from: Cursor,
        what: &str,
        deadline: Duration,
        matches: impl Fn(&str) -> bool,
    ) -> Result<(String, Cursor), Timeout> {
        let ended = self.ended_by(None);
        self.timeline
            .wait_until(self.wait_start(from), deadline, what, |e| match &e.kind {
                Kind::Display { text, .. } if matches(text) => Seen::Found(text.clone()),
                _ => ended(e).map_or(Seen::Pending, Seen::Ended),
            })
            .await
    }

    /// Returns once the display shows the profile's prompt `name`: at once if it
    /// already does, else when it next changes to it.
    /// Fails at once when the terminal is at idle, or shows one of the
    /// prompts `past` (that come after `name`: it went by).
    pub async fn await_current_prompt(&self, name: &str, past: &[&str], deadline: Duration) -> Result<(), BenchError> {
        let events = self.timeline.since(0);
        let last = events.iter().rev().find_map(|e| match &e.kind {
            Kind::Display { text, .. } => Some((e.seq, text.clone())),
            _ => None,
        });
        let profile = self.profile();
        let showing = |n: &str, text: &str| profile.prompt(n).is_some_and(|re| re.is_match(text));
        if let Some((_, text)) = &last {
            if showing(name, text) {
                return Ok(());
            }
            // A terminal at idle will not show this prompt by itself: say so
            // now. (Another prompt may be on its way out: the rig's last
            // action has not shown yet.)
            if showing("idle", text) && name != "idle" {
                return Err(BenchError::Terminal(format!(
                    "is at idle ({text}), not at {name:?}: the step cannot apply now"
                )));
            }
            for later in past {
                if showing(later, text) {
                    return Err(BenchError::Terminal(format!(
                        "is already past {name:?}: it shows {later:?} ({text})"
                    )));
                }
            }
        }
        let from = last.map_or(0, |(seq, _)| seq + 1);
        self.await_prompt(from, name, deadline).await?;
        Ok(())
    }

    pub fn last_display(&self) -> Option<String> {
        self.timeline.since(0).iter().rev().find_map(|e| match &e.kind {
            Kind::Display { text, .. } => Some(text.clone()),
            _ => None,
        })
    }

    pub fn note(&self, text: &str) {
        self.timeline.publish(Source::Rig, Kind::Step { text: text.into() });
    }
}
