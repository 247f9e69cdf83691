//! Why a scenario failed, in three classes that need different people:
//! the lab (bench faults), the terminal's developers (terminal failures) and
//! whoever wrote the feature or fixture (mistakes). Only bench faults are
//! retried: retrying a terminal failure would hide a bug. A fourth outcome is
//! no failure: a scenario that needs a device this bench does not have (a
//! stripe head on a lab bench) is skipped, and says which.

use serde::Serialize;

/// Exit codes CI can rely on (README, `rig --help`), the only place they are defined.
pub mod exit {
    /// Every scenario passed (flaky ones included); a command did what it was asked.
    pub const PASSED: u8 = 0;
    /// The terminal failed a scenario (or a command could not do its work).
    pub const TERMINAL_FAILURE: u8 = 1;
    /// A mistake in the command line, a feature file or a fixture.
    pub const MISTAKE: u8 = 2;
    /// The bench let the run down (or is leased by another run).
    pub const BENCH_FAULT: u8 = 3;
    /// Stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report it).
    pub const INTERRUPTED: u8 = 130;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureClass {
    /// The rig or its wiring let the test down: probe, serial port, robot,
    /// reader, power, lease. Says nothing about the terminal.
    BenchFault,
    /// The terminal did something other than the feature expects.
    TerminalFailure,
    /// The feature file or a fixture asks for something that cannot be:
    /// no step matches, an unknown card or menu, an amount that is not one.
    Mistake,
    /// The scenario needs a device this bench does not have: skipped.
    NotOnThisBench,
    /// The scenario needs a transaction or card interface this terminal
    /// model does not offer (its profile's `[capabilities]`): skipped.
    NotOnThisTerminal,
}

impl FailureClass {
    pub const ALL: [FailureClass; 5] = [
        FailureClass::BenchFault,
        FailureClass::TerminalFailure,
        FailureClass::Mistake,
        FailureClass::NotOnThisBench,
        FailureClass::NotOnThisTerminal,
    ];

    /// How reports name the class; every failure message rig writes starts
    /// with it, so the class survives cucumber turning errors into panics.
    pub fn label(self) -> &'static str {
        match self {
            FailureClass::BenchFault => "bench fault",
            FailureClass::TerminalFailure => "terminal failure",
            FailureClass::Mistake => "feature mistake",
            FailureClass::NotOnThisBench => "not on this bench",
            FailureClass::NotOnThisTerminal => "not on this terminal",
        }
    }

    /// Skipped rather than failed: the run can still pass.
    pub fn is_skip(self) -> bool {
        matches!(self, FailureClass::NotOnThisBench | FailureClass::NotOnThisTerminal)
    }

    /// The class a failure message carries; a message without one (a panic
    /// from outside our steps) counts as a terminal failure, never retried.
    pub fn of_message(message: &str) -> FailureClass {
        FailureClass::labelled(message).unwrap_or(FailureClass::TerminalFailure)
    }

    /// The class a message starts with, if it starts with one.
    pub fn labelled(message: &str) -> Option<FailureClass> {
        let message = message.trim_start();
        // A step capture that did not parse: cucumber says "NAME can not be
        // parsed to TYPE: ERROR", and our parameter types' errors carry a class.
        let message = message
            .split_once(" can not be parsed to ")
            .and_then(|(_, rest)| rest.split_once(": "))
            .map_or(message, |(_, error)| error);
        FailureClass::ALL
            .into_iter()
            .find(|c| message.starts_with(&format!("{}: ", c.label())))
    }

    pub fn is_retried(self) -> bool {
        self == FailureClass::BenchFault
    }

    /// Exit code of a run whose worst failure is of this class: a terminal
    /// failure outranks a mistake, which outranks a bench fault, so CI
    /// reports the most telling reason.
    pub fn exit_code(self) -> u8 {
        match self {
            FailureClass::NotOnThisBench | FailureClass::NotOnThisTerminal => exit::PASSED,
            FailureClass::TerminalFailure => exit::TERMINAL_FAILURE,
            FailureClass::Mistake => exit::MISTAKE,
            FailureClass::BenchFault => exit::BENCH_FAULT,
        }
    }

    /// The one to report when several classes failed in a run (skips are not failures).
    pub fn worst(classes: impl IntoIterator<Item = FailureClass>) -> Option<FailureClass> {
        classes
            .into_iter()
            .filter(|c| !c.is_skip())
            .min_by_key(|c| c.exit_code())
    }
}

impl std::fmt::Display for FailureClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_that_does_not_parse_is_a_mistake() {
        let message = "amount can not be parsed to Yuan: feature mistake: amount \"1e9\" is not yuan like 100.00";
        assert_eq!(FailureClass::of_message(message), FailureClass::Mistake);
    }

    #[test]
    fn the_class_is_read_back_from_the_message() {
        assert_eq!(
            FailureClass::of_message("bench fault: serial port /dev/ttyUSB0: unplugged"),
            FailureClass::BenchFault
        );
        assert_eq!(
            FailureClass::of_message("feature mistake: amount \"1.2.3\" is not yuan"),
            FailureClass::Mistake
        );
        assert_eq!(
            FailureClass::of_message("called `Option::unwrap()` on a `None` value"),
            FailureClass::TerminalFailure
        );
    }

    #[test]
    fn a_terminal_failure_decides_the_exit_code_over_other_classes() {
        use FailureClass::*;
        assert_eq!(
            FailureClass::worst([BenchFault, TerminalFailure, Mistake]),
            Some(TerminalFailure)
        );
        assert_eq!(FailureClass::worst([BenchFault, Mistake]), Some(Mistake));
        assert_eq!(FailureClass::worst([NotOnThisBench]), None);
        assert_eq!(FailureClass::worst([NotOnThisBench, BenchFault]), Some(BenchFault));
        assert_eq!(FailureClass::worst([]), None);
        assert!(BenchFault.is_retried() && !TerminalFailure.is_retried() && !Mistake.is_retried());
    }
}
