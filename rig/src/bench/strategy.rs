//! The terminal strategy (labgrid's Strategy): the states a terminal is in
//! between steps, and how to bring it to the one a step needs, with the
//! profile's prompts and deadlines. Steps say what they need ("the
//! terminal is ready", "from the idle screen"); no step repeats power-on,
//! sign-on or back-to-idle logic.

use super::{BenchError, LiveBench};
use crate::config::terminal::SignOnAtBoot;
use crate::events::Cursor;
use std::time::Duration;

/// What a step may need the terminal to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalState {
    Off,
    /// Powered, signed on and showing the idle screen.
    Ready,
    /// On the idle screen (a transaction before this one is over).
    Idle,
}

impl LiveBench {
    /// Brings the terminal to `state`; returns the cursor after which the
    /// terminal is there (where the next transaction's events begin).
    pub async fn bring_to(&mut self, state: TerminalState) -> Result<Cursor, BenchError> {
        match state {
            TerminalState::Off => {
                self.power_off().await;
            }
            TerminalState::Ready if !self.is_on() => {
                let from = self.timeline.now();
                self.power_on().await?;
                // From the boot banner on: lines a terminal that lost its power
                // had still in the serial line's buffer (its idle screen) can
                // arrive after `from`, and are not this boot's.
                let booted = self
                    .timeline
                    .since(from)
                    .iter()
                    .rposition(|e| matches!(e.kind, crate::events::Kind::Boot { .. }))
                    .map_or(from, |i| from + i + 1);
                self.signed_on_since(booted).await?;
            }
            TerminalState::Ready | TerminalState::Idle => {
                let wait = Duration::from_millis(self.profile().timeouts.online_ms);
                self.await_current_prompt("idle", &[], wait).await?;
            }
        }
        Ok(self.timeline.now())
    }

    /// Waits for the sign-on of a boot that started at `from`, then the
    /// idle screen; a terminal that signs on through its menu (profile
    /// `sign_on.at_boot = "menu"`) is signed on from the idle screen, its
    /// log-on prompts answered from the profile.
    pub async fn signed_on_since(&self, from: Cursor) -> Result<Cursor, BenchError> {
        let t = &self.profile().timeouts;
        let (boot, online, prompt) = (
            Duration::from_millis(t.boot_ms),
            Duration::from_millis(t.online_ms),
            Duration::from_millis(t.prompt_ms),
        );
        let signing_from = match self.profile().sign_on.at_boot {
            SignOnAtBoot::Auto => from,
            SignOnAtBoot::Menu => {
                let (_, at_idle) = self.await_prompt(from, "idle", boot + online).await?;
                self.open_sign_on(at_idle, prompt).await?
            }
        };
        let (_, after_sign_on) = self.await_prompt(signing_from, "signed_on", boot + online).await?;
        self.await_prompt(after_sign_on, "idle", boot).await?;
        Ok(self.timeline.now())
    }

    /// Signs on through the menu from the idle screen (the profile's
    /// `[menus] sign_on`, its `[sign_on] answers` keyed at their prompts) and
    /// waits until the terminal has signed on and is idle again, with what
    /// it does after a sign-on (a terminal may send a reversal it kept).
    pub async fn sign_on_now(&mut self) -> Result<Cursor, BenchError> {
        let at_idle = self.bring_to(TerminalState::Idle).await?;
        let t = &self.profile().timeouts;
        let (online, prompt) = (Duration::from_millis(t.online_ms), Duration::from_millis(t.prompt_ms));
        let from = self.open_sign_on(at_idle, prompt).await?;
        let (_, after_sign_on) = self.await_prompt(from, "signed_on", online).await?;
        self.await_prompt(after_sign_on, "idle", online).await?;
        Ok(at_idle)
    }

    /// Presses the sign-on menu's keys and answers the log-on prompts;
    /// returns where the sign-on's own screens begin.
    async fn open_sign_on(&self, at_idle: Cursor, prompt: Duration) -> Result<Cursor, BenchError> {
        let keys = self
            .profile()
            .menu("sign_on")
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        for key in &keys {
            self.press(key).await?;
        }
        let mut at = at_idle;
        for answer in &self.profile().sign_on.answers {
            let (_, next) = self.await_prompt(at, &answer.prompt, prompt).await?;
            for digit in answer.keys.chars() {
                self.press(&self.profile().digit_key(digit)).await?;
            }
            self.press(&self.profile().keys.enter).await?;
            at = next;
        }
        Ok(at)
    }
}
