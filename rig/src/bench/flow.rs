//! Walking a transaction's flow (the profile's `[flows]`): steps say what
//! is done and with what (an amount, a card, a PIN, an original's voucher
//! number); the walk waits for each prompt the profile lists, in its order,
//! and answers it as soon as the datum it needs is known. A datum given
//! before its prompt waits for it (the amount of a card-first terminal); a
//! prompt whose datum is not given yet ends the walk until a later step
//! gives it (the card, the PIN).

use super::{BenchError, LiveBench};
use crate::card::{EmvCard, Field};
use crate::config::ConfigError;
use crate::config::card::CardProfile;
use crate::config::flows::{Answer, FlowStep};
use crate::events::{Cursor, Kind, Seen};
use std::time::Duration;

/// What a step gives the flow.
#[derive(Debug, Clone)]
pub enum Datum {
    /// Digits keyed then enter: a PIN, a voucher number, an RRN, a date,
    /// or an amount in fen (keyed as the profile's `[entry]` says).
    Digits(String),
    /// The card, and how the cardholder presents it.
    Card(Box<Presentation>),
    /// A payment code for the scanner.
    Code(String),
}

#[derive(Debug, Clone)]
pub enum Presentation {
    Swipe(CardProfile),
    Insert(CardProfile),
    Tap(CardProfile),
}

/// The flow in progress.
#[derive(Debug)]
pub(super) struct FlowWalk {
    txn: String,
    steps: Vec<FlowStep>,
    next: usize,
    /// The next prompt is looked for after this.
    at: Cursor,
    data: Vec<(Answer, Datum)>,
    /// The last answer was a card or a PIN: the next prompt may take as long
    /// as reading a chip or going online.
    slow_next: bool,
    /// Why the walk last stopped before `steps[next]`, when the terminal
    /// went its own way; cleared when the walk moves on.
    paused: Option<Pause>,
}

/// The terminal showed something else where the walk awaited a prompt.
#[derive(Debug, Clone)]
struct Pause {
    before: String,
    why: String,
    /// The transaction ended (an outcome or the idle screen showed), as
    /// opposed to the terminal waiting at another prompt.
    concluded: bool,
}

/// A datum a step gave, and whether its prompt must have been answered for
/// the step to pass (`strict`), or may be skipped when the transaction
/// ends without it (the PIN a whole sale keys if asked).
#[derive(Debug, Clone, Copy)]
pub struct Goal {
    pub answer: Answer,
    pub strict: bool,
}

impl LiveBench {
    /// Opens transaction `txn` from the idle screen with its menu keys and
    /// walks its flow as far as `data` goes; returns the cursor before the
    /// first key (where the transaction's events begin). Every datum given
    /// here must be asked for by the flow: one that is not is a mistake in
    /// the profile.
    pub async fn begin(&mut self, txn: &str, data: Vec<(Answer, Datum)>) -> Result<Cursor, BenchError> {
        let steps = self.profile().flows.of(txn).to_vec();
        if let Some((answer, _)) = data.iter().find(|(a, _)| !steps.iter().any(|s| s.answer == *a)) {
            return Err(self.profile_mistake(format!(
                "flows.{txn} lists no prompt answered with {} (the transaction needs one)",
                answer.name()
            )));
        }
        let keys = self
            .profile()
            .menu(txn)
            .map(<[String]>::to_vec)
            .ok_or_else(|| self.profile_mistake(format!("no [menus] {txn}")))?;
        self.bring_to(super::strategy::TerminalState::Idle).await?;
        let from = self.timeline.now();
        for key in &keys {
            self.press(key).await?;
        }
        self.flow = Some(FlowWalk {
            txn: txn.to_string(),
            steps,
            next: 0,
            at: from,
            data,
            slow_next: false,
            paused: None,
        });
        self.walk().await?;
        Ok(from)
    }

    /// Gives the flow in progress a datum it asks for later; false when no
    /// flow is in progress or none of its prompts left wants it (the step
    /// then acts by itself: a PIN asked again after a wrong one).
    pub async fn supply(&mut self, answer: Answer, datum: Datum) -> Result<bool, BenchError> {
        let Some(flow) = self.flow.as_mut() else {
            return Ok(false);
        };
        if !flow.steps[flow.next..].iter().any(|s| s.answer == answer) {
            return Ok(false);
        }
        flow.data.push((answer, datum));
        self.walk().await?;
        Ok(true)
    }

    /// Why the flow in progress stopped short of `goal`, if it did: the
    /// terminal went its own way before a prompt a step's datum was for.
    /// A datum still awaited because a later step gives what comes before
    /// it (the card of a card-first terminal) is not short.
    pub fn short_of(&self, goal: &[Goal]) -> Option<String> {
        let flow = self.flow.as_ref()?;
        let pause = flow.paused.as_ref()?;
        let missed = goal.iter().find(|g| {
            flow.steps[flow.next..]
                .iter()
                .any(|s| s.answer == g.answer && (g.strict || !pause.concluded))
        })?;
        Some(format!(
            "stopped the {} before its {} prompt, so the {} was never {}: {}",
            flow.txn,
            pause.before,
            missed.answer.name(),
            if missed.answer == Answer::Card {
                "presented"
            } else {
                "keyed"
            },
            pause.why
        ))
    }

    /// Waits for prompt `name` of the flow in progress to show (after the
    /// prompts answered so far).
    pub async fn await_flow_prompt(&self, name: &str) -> Result<(), BenchError> {
        let at = self.flow.as_ref().map_or_else(|| self.timeline.now(), |f| f.at);
        self.await_prompt(at, name, self.wait(false)).await?;
        Ok(())
    }

    /// Presents a card outside any flow prompt (or at one): a swipe, an
    /// insertion until the terminal reads it, a tap until it is read and the
    /// card taken away.
    pub async fn present_card(&mut self, how: &Presentation) -> Result<(), BenchError> {
        let from = self.timeline.now();
        let prompt = Duration::from_millis(self.profile().timeouts.prompt_ms);
        match how {
            Presentation::Swipe(card) => self.swipe(card).await,
            Presentation::Insert(card) => {
                let memory = self.memory_of(card);
                let chip = EmvCard::with_memory(card.clone(), Field::Contact, memory);
                let carried = crate::card::t0::as_transported(Box::new(chip), Field::Contact, card.contact_protocol);
                self.insert(crate::card::faults::as_behaves(carried, &card.behaviour))
                    .await?;
                self.await_prompt(from, "reading", prompt).await.map(drop)
            }
            Presentation::Tap(card) => {
                let memory = self.memory_of(card);
                let chip = EmvCard::with_memory(card.clone(), Field::Contactless, memory);
                self.bring_to_field(crate::card::faults::as_behaves(chip, &card.behaviour))
                    .await?;
                let read = self.await_tap_read(from, prompt).await;
                // The card just brought to the field is taken away again.
                let _ = self.remove_card();
                read.map(drop)
            }
        }
    }

    /// The memory of `card` in this scenario: made at its first presentation.
    fn memory_of(&mut self, card: &CardProfile) -> crate::card::memory::SharedMemory {
        self.card_memory
            .entry(card.pan.to_string())
            .or_insert_with(|| crate::card::emv_card::personalised(card))
            .clone()
    }

    /// Answers the flow's prompts while their data is known.
    async fn walk(&mut self) -> Result<(), BenchError> {
        // Screens before this walk began were for the steps since (the
        // application chosen, the chip inserted): they do not pause it.
        let resumed_at = self.timeline.now();
        loop {
            let Some(flow) = self.flow.as_ref() else {
                return Ok(());
            };
            let Some(step) = flow.steps.get(flow.next).cloned() else {
                self.flow = None;
                return Ok(());
            };
            let datum = flow
                .data
                .iter()
                .find(|(a, _)| *a == step.answer)
                .map(|(_, d)| d.clone());
            let needs_datum = !matches!(step.answer, Answer::Keys | Answer::Wait);
            if needs_datum && datum.is_none() {
                return Ok(());
            }
            let (at, slow) = (flow.at, flow.slow_next);
            let previous = flow.next.checked_sub(1).map(|i| flow.steps[i].prompt.clone());
            let interrupts_from = at.max(resumed_at);
            let seen = match self
                .await_step(at, interrupts_from, &step.prompt, previous.as_deref(), self.wait(slow))
                .await?
            {
                Awaited::Shown(seen) => seen,
                Awaited::Paused { why, after, concluded } => {
                    // Not this step's failure by itself: what the terminal did
                    // instead is for the next steps to check ("use_chip",
                    // "card_blocked"); a step whose datum was for a prompt
                    // not reached fails through `short_of`.
                    self.note(&format!(
                        "flow {}: paused before {}: {why}",
                        flow_name(&self.flow),
                        step.prompt
                    ));
                    if let Some(flow) = self.flow.as_mut() {
                        // Resumed by a later datum, the prompt is looked for
                        // after the screen that paused the walk.
                        if let Some(after) = after {
                            flow.at = after;
                        }
                        flow.paused = Some(Pause {
                            before: step.prompt.clone(),
                            why,
                            concluded,
                        });
                    }
                    return Ok(());
                }
            };
            if let Some(flow) = self.flow.as_mut() {
                flow.paused = None;
            }
            let from = self.timeline.now();
            self.note(&format!(
                "flow {}: {} answered with {}",
                flow_name(&self.flow),
                step.prompt,
                step.answer.name()
            ));
            match (&step.answer, datum) {
                (Answer::Keys, _) => {
                    for key in &step.keys {
                        self.press(key).await?;
                    }
                }
                (Answer::Wait, _) => {}
                (Answer::Card, Some(Datum::Card(how))) => self.present_card(&how).await?,
                (Answer::Code, Some(Datum::Code(code))) => self.present_code(&code).await?,
                (Answer::Amount, Some(Datum::Digits(fen))) => {
                    let mut keys = self.profile().amount_keys(&fen);
                    keys.push(self.profile().keys.enter.clone());
                    for key in &keys {
                        self.press(key).await?;
                    }
                }
                (_, Some(Datum::Digits(digits))) => {
                    let mut keys: Vec<String> = digits.chars().map(|d| self.profile().digit_key(d)).collect();
                    keys.push(self.profile().keys.enter.clone());
                    for key in &keys {
                        self.press(key).await?;
                    }
                }
                (answer, _) => {
                    return Err(self.profile_mistake(format!(
                        "flows: prompt {:?} is answered with {}, which a step gave in another form",
                        step.prompt,
                        answer.name()
                    )));
                }
            }
            if let Some(flow) = self.flow.as_mut() {
                flow.next += 1;
                // The next prompt comes after this one: for a card, after it
                // was read (a prompt shown while reading is not the next one).
                flow.at = if step.answer == Answer::Card { from } else { seen };
                flow.slow_next = matches!(step.answer, Answer::Card | Answer::Pin | Answer::Code);
            }
        }
    }

    /// Waits for the flow's next prompt. The walk pauses (no error) when the
    /// transaction ends first, or another prompt of the profile shows (from
    /// `interrupts_from` on): the
    /// terminal went its own way (a chip card swiped, an application to
    /// choose, a card refused), and the next steps say what is expected then.
    /// Only a terminal that shows nothing known within the deadline fails.
    async fn await_step(
        &self,
        from: Cursor,
        interrupts_from: Cursor,
        name: &str,
        previous: Option<&str>,
        deadline: Duration,
    ) -> Result<Awaited, BenchError> {
        let profile = self.profile();
        let re = profile
            .prompt(name)
            .ok_or_else(|| self.profile_mistake(format!("no prompt {name:?} in [prompts]")))?;
        // Screens a flow passes through on its way to the next prompt.
        // A responder's prompt is answered without the walk (and passed through).
        let passing = |n: &str| {
            n == name
                || Some(n) == previous
                || PASSING.contains(&n)
                || n == "idle"
                || profile.responders.contains_key(n)
        };
        let ended = self.ended_by(Some(name));
        let waited = self
            .timeline
            .wait_until(
                self.wait_start(from),
                deadline,
                format!("prompt {name:?} ({re})"),
                |e| match &e.kind {
                    Kind::Display { text, .. } if re.is_match(text) => Seen::Found(None),
                    Kind::Display { .. } if e.seq < interrupts_from => ended(e).map_or(Seen::Pending, Seen::Ended),
                    Kind::Display { text, .. } => match ended(e) {
                        Some(why) => Seen::Ended(why),
                        // Found, to learn where: the walk resumes after it.
                        None => profile
                            .prompts
                            .iter()
                            .find(|(n, p)| !passing(n) && p.is_match(text))
                            .map_or(Seen::Pending, |(n, _)| {
                                Seen::Found(Some((n.clone(), format!("the terminal showed {n:?} ({text})"))))
                            }),
                    },
                    _ => ended(e).map_or(Seen::Pending, Seen::Ended),
                },
            )
            .await;
        match waited {
            Ok((None, seen)) => Ok(Awaited::Shown(seen)),
            Ok((Some((shown, why)), after)) => Ok(Awaited::Paused {
                concluded: profile.outcomes.contains(&shown),
                why,
                after: Some(after),
            }),
            // Ended: the terminal back at idle (or another outcome shown).
            Err(t) => match t.instead.clone() {
                Some(why) => Ok(Awaited::Paused {
                    why,
                    after: None,
                    concluded: true,
                }),
                None => Err(t.into()),
            },
        }
    }

    fn wait(&self, slow: bool) -> Duration {
        let t = &self.profile().timeouts;
        Duration::from_millis(if slow { t.online_ms } else { t.prompt_ms })
    }

    fn profile_mistake(&self, message: String) -> BenchError {
        BenchError::Config(ConfigError::Semantic {
            path: self.plan.bench.resolve(&self.plan.bench.file.terminal_profile),
            message,
        })
    }
}

/// Prompts shown while the terminal works towards the next one.
pub(crate) const PASSING: &[&str] = &["reading", "processing", "card_read", "signing_on"];

enum Awaited {
    Shown(Cursor),
    /// Why, where the walk resumes (after the screen that paused it), and
    /// whether the transaction ended there.
    Paused {
        why: String,
        after: Option<Cursor>,
        concluded: bool,
    },
}

fn flow_name(flow: &Option<FlowWalk>) -> &str {
    flow.as_ref().map_or("", |f| f.txn.as_str())
}
