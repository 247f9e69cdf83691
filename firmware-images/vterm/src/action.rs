//! Terminal risk management's floor limit and random transaction selection
//! (EMV Book 3, 10.6.1-10.6.2) and terminal action analysis (10.7): which
//! cryptogram the first GENERATE AC asks for, and what a terminal that
//! cannot go online asks for at the second. vterm's own reading of the
//! book, apart from rig's (a bug in one cannot pass both sides).

use crate::tvr::set_tvr;
use crate::tvr::tvr_bit::{FLOOR_LIMIT_EXCEEDED, RANDOMLY_SELECTED};

/// Terminal type (9F35, Book 4 Annex A1), attended: whether the kernel may
/// approve offline at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TerminalType {
    /// 21: online only. Not denied, it always asks for an ARQC; unable to
    /// go online, it declines (the default action codes are not used).
    #[default]
    OnlineOnly,
    /// 22: offline with online capability. The online action codes decide
    /// between an ARQC and a TC; unable to go online, the default ones.
    OfflineWithOnline,
}

/// Random transaction selection (Book 3, 10.6.2), percentages 0-99.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomSelection {
    pub threshold_fen: u64,
    pub target_percent: u8,
    pub max_target_percent: u8,
}

impl RandomSelection {
    /// Whether a transaction of `fen` under the floor limit is selected,
    /// given the terminal's random number `roll` (1-99). Under the threshold
    /// the target percentage; between the threshold and the floor limit a
    /// percentage rising linearly to the maximum (Book 3, Figure 14).
    pub fn selects(&self, fen: u64, floor_limit_fen: u64, roll: u8) -> bool {
        if fen >= floor_limit_fen {
            return false;
        }
        let target = u64::from(self.target_percent);
        let percent = if fen < self.threshold_fen || floor_limit_fen <= self.threshold_fen {
            target
        } else {
            let span = floor_limit_fen - self.threshold_fen;
            let rise = u64::from(self.max_target_percent).saturating_sub(target);
            target + rise * (fen - self.threshold_fen) / span
        };
        u64::from(roll) <= percent
    }
}

/// What the acquirer's parameters give the kernel for these decisions.
#[derive(Debug, Clone, Copy)]
pub struct Actions {
    pub terminal_type: TerminalType,
    pub floor_limit_fen: u64,
    pub random_selection: Option<RandomSelection>,
    pub tac_denial: [u8; 5],
    pub tac_online: [u8; 5],
    pub tac_default: [u8; 5],
}

/// The cryptogram a GENERATE AC asks for (its P1, Book 3, 6.5.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Aac,
    Tc,
    Arqc,
}

impl Ask {
    pub fn p1(self) -> u8 {
        match self {
            Ask::Aac => 0x00,
            Ask::Tc => 0x40,
            Ask::Arqc => 0x80,
        }
    }
}

/// The card's issuer action codes as read; absent, denial counts as no
/// bits and online and default as every bit (Book 3, 10.7).
pub struct IssuerCodes {
    pub denial: Option<[u8; 5]>,
    pub online: Option<[u8; 5]>,
    pub default: Option<[u8; 5]>,
}

fn matches(tvr: &[u8], tac: [u8; 5], iac: [u8; 5]) -> bool {
    tvr.iter().zip(tac.iter().zip(iac)).any(|(t, (a, i))| t & (a | i) != 0)
}

/// Floor limit and random selection into `tvr`, then the first GENERATE
/// AC's cryptogram: an AAC for a TVR bit in TAC- or IAC-denial; an online
/// only terminal otherwise an ARQC; an offline-capable one an ARQC for a
/// bit in TAC- or IAC-online, else a TC.
pub fn first(tvr: &mut [u8], fen: u64, actions: &Actions, iac: &IssuerCodes, roll: u8) -> Ask {
    if fen >= actions.floor_limit_fen {
        set_tvr(tvr, FLOOR_LIMIT_EXCEEDED);
    }
    // Random selection is for terminals that can approve offline (10.6.2).
    if actions.terminal_type == TerminalType::OfflineWithOnline
        && actions
            .random_selection
            .is_some_and(|r| r.selects(fen, actions.floor_limit_fen, roll))
    {
        set_tvr(tvr, RANDOMLY_SELECTED);
    }
    if matches(tvr, actions.tac_denial, iac.denial.unwrap_or([0; 5])) {
        return Ask::Aac;
    }
    match actions.terminal_type {
        TerminalType::OnlineOnly => Ask::Arqc,
        TerminalType::OfflineWithOnline if matches(tvr, actions.tac_online, iac.online.unwrap_or([0xFF; 5])) => {
            Ask::Arqc
        }
        TerminalType::OfflineWithOnline => Ask::Tc,
    }
}

/// The second GENERATE AC of a terminal that asked for an ARQC and could
/// not reach the host: a TC unless a TVR bit is in TAC- or IAC-default; an
/// online-only terminal always an AAC.
pub fn unable_to_go_online(tvr: &[u8], actions: &Actions, iac: &IssuerCodes) -> Ask {
    match actions.terminal_type {
        TerminalType::OnlineOnly => Ask::Aac,
        TerminalType::OfflineWithOnline if matches(tvr, actions.tac_default, iac.default.unwrap_or([0xFF; 5])) => {
            Ask::Aac
        }
        TerminalType::OfflineWithOnline => Ask::Tc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actions(terminal_type: TerminalType) -> Actions {
        Actions {
            terminal_type,
            floor_limit_fen: 50_000,
            random_selection: None,
            tac_denial: [0x00, 0x10, 0x00, 0x00, 0x00],
            tac_online: [0xD8, 0x40, 0x04, 0xF8, 0x00],
            tac_default: [0xD8, 0x40, 0x00, 0xA8, 0x00],
        }
    }

    const NONE: IssuerCodes = IssuerCodes {
        denial: Some([0; 5]),
        online: Some([0; 5]),
        default: Some([0; 5]),
    };

    #[test]
    fn a_clean_tvr_under_the_floor_limit_asks_a_tc_offline_capable_an_arqc_online_only() {
        let mut tvr = [0u8; 5];
        assert_eq!(
            first(&mut tvr, 10_000, &actions(TerminalType::OfflineWithOnline), &NONE, 50),
            Ask::Tc
        );
        assert_eq!(tvr, [0; 5]);
        assert_eq!(
            first(&mut tvr, 10_000, &actions(TerminalType::OnlineOnly), &NONE, 50),
            Ask::Arqc
        );
    }

    #[test]
    fn the_floor_limit_sets_its_bit_and_tac_online_sends_it_online() {
        let mut tvr = [0u8; 5];
        let ask = first(&mut tvr, 50_000, &actions(TerminalType::OfflineWithOnline), &NONE, 50);
        assert_eq!((ask, tvr[3]), (Ask::Arqc, 0x80));
    }

    #[test]
    fn an_absent_iac_online_counts_as_every_bit_and_an_absent_iac_denial_as_none() {
        let absent = IssuerCodes {
            denial: None,
            online: None,
            default: None,
        };
        // "New card" is in no TAC here: only the IAC-online's default of all ones sends it online.
        let mut tvr = [0x00, 0x08, 0x00, 0x00, 0x00];
        assert_eq!(
            first(&mut tvr, 100, &actions(TerminalType::OfflineWithOnline), &absent, 50),
            Ask::Arqc
        );
        assert_eq!(
            unable_to_go_online(&tvr, &actions(TerminalType::OfflineWithOnline), &absent),
            Ask::Aac
        );
        let mut clean = [0u8; 5];
        assert_eq!(
            first(&mut clean, 100, &actions(TerminalType::OfflineWithOnline), &absent, 50),
            Ask::Tc
        );
    }

    #[test]
    fn denial_beats_online() {
        let mut tvr = [0x00, 0x10, 0x00, 0x00, 0x00];
        assert_eq!(
            first(&mut tvr, 100, &actions(TerminalType::OnlineOnly), &NONE, 50),
            Ask::Aac
        );
        let iac = IssuerCodes {
            denial: Some([0x00, 0x08, 0, 0, 0]),
            ..NONE
        };
        let mut new_card = [0x00, 0x08, 0x00, 0x00, 0x00];
        assert_eq!(
            first(&mut new_card, 100, &actions(TerminalType::OfflineWithOnline), &iac, 50),
            Ask::Aac
        );
    }

    #[test]
    fn default_codes_decide_only_on_an_offline_capable_terminal() {
        let new_card = [0x00, 0x08, 0x00, 0x00, 0x00];
        let offline = actions(TerminalType::OfflineWithOnline);
        assert_eq!(unable_to_go_online(&new_card, &offline, &NONE), Ask::Tc);
        let iac = IssuerCodes {
            default: Some([0x00, 0x08, 0, 0, 0]),
            ..NONE
        };
        assert_eq!(unable_to_go_online(&new_card, &offline, &iac), Ask::Aac);
        assert_eq!(
            unable_to_go_online(&[0; 5], &actions(TerminalType::OnlineOnly), &NONE),
            Ask::Aac
        );
    }

    #[test]
    fn random_selection_follows_the_target_then_rises_to_the_maximum_at_the_floor_limit() {
        let r = RandomSelection {
            threshold_fen: 10_000,
            target_percent: 20,
            max_target_percent: 80,
        };
        // Under the threshold: the target, 20 %.
        assert!(r.selects(5_000, 50_000, 20));
        assert!(!r.selects(5_000, 50_000, 21));
        // Half way from the threshold to the floor limit: 20 + 60 / 2 = 50 %.
        assert!(r.selects(30_000, 50_000, 50));
        assert!(!r.selects(30_000, 50_000, 51));
        // At the floor limit the floor limit decides, not the selection.
        assert!(!r.selects(50_000, 50_000, 1));
        // 99 % selects every roll; 0 % none.
        let always = RandomSelection {
            threshold_fen: 0,
            target_percent: 99,
            max_target_percent: 99,
        };
        assert!((1..=99).all(|roll| always.selects(100, 50_000, roll)));
        let never = RandomSelection {
            threshold_fen: 0,
            target_percent: 0,
            max_target_percent: 0,
        };
        assert!((1..=99).all(|roll| !never.selects(100, 50_000, roll)));
    }

    #[test]
    fn random_selection_sets_its_bit_only_on_a_terminal_that_can_approve_offline() {
        let mut with = actions(TerminalType::OfflineWithOnline);
        with.random_selection = Some(RandomSelection {
            threshold_fen: 0,
            target_percent: 99,
            max_target_percent: 99,
        });
        let mut tvr = [0u8; 5];
        assert_eq!(first(&mut tvr, 100, &with, &NONE, 99), Ask::Arqc);
        assert_eq!(tvr[3], 0x10);
        with.terminal_type = TerminalType::OnlineOnly;
        let mut tvr = [0u8; 5];
        first(&mut tvr, 100, &with, &NONE, 99);
        assert_eq!(tvr[3], 0x00);
    }
}
