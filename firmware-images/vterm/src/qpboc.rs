//! The contactless reader's side of qPBOC (PBOC 3.0 part 12, as vterm
//! reads it): the terminal transaction qualifiers (9F66) it sends for this
//! amount, the contactless transaction limit, and what a tap's GPO answer
//! comes to: online (ARQC), declined (AAC, or a TC whose fDDA fails), or
//! approved offline (a TC whose fDDA verifies).

use crate::chip::ChipRead;

/// The reader's limits, in fen, from the parameters.
pub struct Limits {
    /// Over it, the card must go online (TTQ "online cryptogram required").
    pub floor_fen: u64,
    /// Over it, a CVM is required (TTQ "CVM required"; 免密 below it).
    pub cvm_fen: u64,
    /// Over it, no contactless transaction: the cardholder inserts.
    pub transaction_fen: u64,
}

/// TTQ byte 1: qPBOC supported (20), online PIN supported (04), signature
/// supported (02); an offline-capable reader.
const TTQ_BYTE1: u8 = 0x26;
/// TTQ byte 2: online cryptogram required (80), CVM required (40).
const ONLINE_CRYPTOGRAM_REQUIRED: u8 = 0x80;
const CVM_REQUIRED: u8 = 0x40;

/// The TTQ for a contactless transaction of `fen`.
pub fn ttq(fen: u64, limits: &Limits) -> Vec<u8> {
    let mut ttq = vec![TTQ_BYTE1, 0x00, 0x00, 0x00];
    if fen > limits.floor_fen {
        ttq[1] |= ONLINE_CRYPTOGRAM_REQUIRED;
    }
    if fen > limits.cvm_fen {
        ttq[1] |= CVM_REQUIRED;
    }
    ttq
}

/// What a tap comes to, from the card's cryptogram and fDDA.
#[derive(Debug, PartialEq, Eq)]
pub enum Tap {
    Online,
    ApprovedOffline,
    /// Declined offline; the reason is for the log.
    Declined(String),
}

pub fn outcome(read: &ChipRead) -> Tap {
    let cid = read.tags.get("9F27").and_then(|c| c.first().copied()).unwrap_or(0x80);
    match (cid & 0xC0, &read.fdda) {
        (0x40, Some(Ok(()))) => Tap::ApprovedOffline,
        (0x40, Some(Err(why))) => Tap::Declined(format!("fDDA failed: {why}")),
        (0x40, None) => Tap::Declined("a TC without fDDA data".into()),
        (0x00, _) => Tap::Declined("the card answered an AAC".into()),
        _ => Tap::Online,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ttq_asks_for_what_the_amount_needs() {
        let limits = Limits {
            floor_fen: 50_000,
            cvm_fen: 100_000,
            transaction_fen: 200_000,
        };
        assert_eq!(ttq(10_000, &limits), [0x26, 0x00, 0x00, 0x00]);
        assert_eq!(ttq(60_000, &limits), [0x26, 0x80, 0x00, 0x00]);
        assert_eq!(ttq(150_000, &limits), [0x26, 0xC0, 0x00, 0x00]);
    }
}
