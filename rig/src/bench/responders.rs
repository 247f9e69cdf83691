//! Prompt responders (the profile's `[responders]`): a prompt that gets the
//! same answer whenever it shows ("tear off the merchant copy, OK for the
//! cardholder copy"), answered by the robot without any step asking, each
//! answer on the timeline. Flows then need not know every screen a model
//! puts between the ones they wait for.
//!
//! A responder presses keys only when its prompt shows; a step that presses
//! keys at the same moment would interleave with it, so a responder's
//! prompt must be one no step answers.

use crate::config::terminal::TerminalProfile;
use crate::devices::keypad::KeypadRobot;
use crate::events::{Kind, Source, Timeline};
use regex::Regex;
use std::time::Duration;

/// The running responders of one scenario; they stop when it is dropped.
pub struct Responders {
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Responders {
    /// Starts answering the profile's responder prompts on `timeline`.
    pub fn start(profile: &TerminalProfile, robot: KeypadRobot, timeline: Timeline) -> Responders {
        let rules: Vec<(String, Regex, Vec<String>)> = profile
            .responders
            .iter()
            .filter_map(|(name, keys)| Some((name.clone(), profile.prompt(name)?.clone(), keys.clone())))
            .collect();
        if rules.is_empty() {
            return Responders { task: None };
        }
        let task = tokio::spawn(async move {
            let mut from = timeline.now();
            loop {
                // No deadline of its own: it runs as long as the scenario.
                let seen = timeline
                    .wait_for(
                        from,
                        Duration::from_secs(24 * 3600),
                        "prompt with a responder",
                        |e| match &e.kind {
                            Kind::Display { text, .. } => rules
                                .iter()
                                .find(|(_, re, _)| re.is_match(text))
                                .map(|(name, _, keys)| (name.clone(), keys.clone())),
                            _ => None,
                        },
                    )
                    .await;
                let Ok(((name, keys), next)) = seen else {
                    from = timeline.now();
                    continue;
                };
                timeline.publish(
                    Source::Rig,
                    Kind::Step {
                        text: format!("responder: {name} shown, pressing {}", keys.join(" ")),
                    },
                );
                for key in &keys {
                    if let Err(e) = robot.press(key).await {
                        timeline.publish(
                            Source::Rig,
                            Kind::Step {
                                text: format!("responder: {name}: {e}"),
                            },
                        );
                    }
                }
                // The next display after the one answered: the same prompt
                // shown again later (the second copy's tear-off) is answered again.
                from = next;
            }
        });
        Responders { task: Some(task) }
    }
}

impl Drop for Responders {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
