//! Terminal verification results (95): the bits by name (EMV Book 3,
//! Annex C5) and the processing restrictions the kernel tells from the
//! card data (Book 3, 10.4: versions, dates, application usage control).

use std::collections::BTreeMap;

/// A bit of the terminal verification results (95): its byte (0-based) and mask.
#[derive(Debug, Clone, Copy)]
pub struct TvrBit(pub usize, pub u8);

/// TVR bits by name (EMV Book 3, Annex C5), those the kernel sets so far.
pub mod tvr_bit {
    use super::TvrBit;
    /// Byte 1, bit 8.
    pub const ODA_NOT_PERFORMED: TvrBit = TvrBit(0, 0x80);
    /// Byte 1, bit 7.
    pub const SDA_FAILED: TvrBit = TvrBit(0, 0x40);
    /// Byte 1, bit 6.
    pub const ICC_DATA_MISSING: TvrBit = TvrBit(0, 0x20);
    /// Byte 1, bit 4.
    pub const DDA_FAILED: TvrBit = TvrBit(0, 0x08);
    /// Byte 1, bit 3.
    pub const CDA_FAILED: TvrBit = TvrBit(0, 0x04);
    /// Byte 1, bit 2.
    pub const SDA_SELECTED: TvrBit = TvrBit(0, 0x02);
    /// Byte 2, bit 8.
    pub const DIFFERENT_VERSIONS: TvrBit = TvrBit(1, 0x80);
    /// Byte 2, bit 7.
    pub const EXPIRED_APPLICATION: TvrBit = TvrBit(1, 0x40);
    /// Byte 2, bit 6.
    pub const NOT_YET_EFFECTIVE: TvrBit = TvrBit(1, 0x20);
    /// Byte 2, bit 5.
    pub const SERVICE_NOT_ALLOWED: TvrBit = TvrBit(1, 0x10);
    /// Byte 2, bit 4.
    pub const NEW_CARD: TvrBit = TvrBit(1, 0x08);
    /// Byte 3, bit 8.
    pub const CV_NOT_SUCCESSFUL: TvrBit = TvrBit(2, 0x80);
    /// Byte 3, bit 7.
    pub const UNRECOGNISED_CVM: TvrBit = TvrBit(2, 0x40);
    /// Byte 3, bit 6.
    pub const PIN_TRY_LIMIT_EXCEEDED: TvrBit = TvrBit(2, 0x20);
    /// Byte 3, bit 4: PIN entry required, PIN pad present, PIN not entered.
    pub const PIN_NOT_ENTERED: TvrBit = TvrBit(2, 0x08);
    /// Byte 3, bit 3.
    pub const ONLINE_PIN_ENTERED: TvrBit = TvrBit(2, 0x04);
    /// Byte 4, bit 8: transaction exceeds floor limit.
    pub const FLOOR_LIMIT_EXCEEDED: TvrBit = TvrBit(3, 0x80);
    /// Byte 4, bit 7.
    pub const LOWER_LIMIT_EXCEEDED: TvrBit = TvrBit(3, 0x40);
    /// Byte 4, bit 6.
    pub const UPPER_LIMIT_EXCEEDED: TvrBit = TvrBit(3, 0x20);
    /// Byte 4, bit 5: transaction selected randomly for online processing.
    pub const RANDOMLY_SELECTED: TvrBit = TvrBit(3, 0x10);
    /// Byte 5, bit 6: script processing failed before final GENERATE AC.
    pub const SCRIPT_FAILED_BEFORE_FINAL_AC: TvrBit = TvrBit(4, 0x20);
    /// Byte 5, bit 5: script processing failed after final GENERATE AC.
    pub const SCRIPT_FAILED_AFTER_FINAL_AC: TvrBit = TvrBit(4, 0x10);
}

pub fn set_tvr(tvr: &mut [u8], bit: TvrBit) {
    if let Some(byte) = tvr.get_mut(bit.0) {
        *byte |= bit.1;
    }
}

/// Application usage control byte 1 (Book 3, Annex C2): valid for
/// domestic goods, international goods, at terminals other than ATMs.
const AUC_DOMESTIC_GOODS: u8 = 0x20;
const AUC_INTERNATIONAL_GOODS: u8 = 0x10;
const AUC_NOT_AN_ATM: u8 = 0x01;
/// ... and byte 2: valid for domestic cashback, international cashback.
const AUC_DOMESTIC_CASHBACK: u8 = 0x80;
const AUC_INTERNATIONAL_CASHBACK: u8 = 0x40;
/// Transaction type (9C) of a purchase with cashback.
const CASHBACK: u8 = 0x09;

/// Terminal verification results (95) the kernel can tell from the card data.
pub fn restrictions(tags: &mut BTreeMap<String, Vec<u8>>) {
    let mut tvr = tags.get("95").cloned().unwrap_or_else(|| vec![0; 5]);
    tvr.resize(5, 0);
    let today = tags.get("9A").cloned().unwrap_or_default();
    if let Some(expiry) = tags.get("5F24") {
        if expiry.as_slice() < today.as_slice() {
            set_tvr(&mut tvr, tvr_bit::EXPIRED_APPLICATION);
        }
    }
    // Processing restrictions (EMV Book 3, 10.4): versions, effective date,
    // application usage control for a purchase of goods at a POS.
    if let (Some(card), Some(terminal)) = (tags.get("9F08"), tags.get("9F09")) {
        if card != terminal {
            set_tvr(&mut tvr, tvr_bit::DIFFERENT_VERSIONS);
        }
    }
    if tags
        .get("5F25")
        .is_some_and(|effective| effective.as_slice() > today.as_slice())
    {
        set_tvr(&mut tvr, tvr_bit::NOT_YET_EFFECTIVE);
    }
    if let Some(usage) = tags.get("9F07").filter(|a| !a.is_empty()) {
        let auc = usage[0];
        let domestic = tags.get("5F28").is_some_and(|c| Some(c) == tags.get("9F1A"));
        let goods = if domestic {
            AUC_DOMESTIC_GOODS
        } else {
            AUC_INTERNATIONAL_GOODS
        };
        // The cashback bits only for a purchase with cashback: a plain
        // purchase does not ask for them (neither model offers cashback).
        let cashback = tags.get("9C").is_some_and(|t| t.first() == Some(&CASHBACK));
        let cashback_bit = if domestic {
            AUC_DOMESTIC_CASHBACK
        } else {
            AUC_INTERNATIONAL_CASHBACK
        };
        let auc2 = usage.get(1).copied().unwrap_or(0);
        if auc & goods == 0 || auc & AUC_NOT_AN_ATM == 0 || (cashback && auc2 & cashback_bit == 0) {
            set_tvr(&mut tvr, tvr_bit::SERVICE_NOT_ALLOWED);
        }
    }
    tags.insert("95".into(), tvr);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restricted(auc: &str, transaction_type: u8) -> bool {
        let mut tags = BTreeMap::new();
        for (tag, value) in [("9F07", auc), ("5F28", "0156"), ("9F1A", "0156"), ("9A", "261207")] {
            tags.insert(tag.to_string(), hex::decode(value).unwrap_or_default());
        }
        tags.insert("9C".into(), vec![transaction_type]);
        restrictions(&mut tags);
        tags["95"][1] & tvr_bit::SERVICE_NOT_ALLOWED.1 != 0
    }

    #[test]
    fn usage_control_cashback_bits_count_only_for_a_purchase_with_cashback() {
        // FF00: goods, services, cash, domestic and international; no cashback.
        assert!(!restricted("FF00", 0x00), "a plain purchase does not ask for cashback");
        assert!(restricted("FF00", 0x09), "a purchase with cashback does");
        assert!(!restricted("FF80", 0x09), "domestic cashback allowed");
        // DF00: no domestic goods, whatever the transaction.
        assert!(restricted("DF00", 0x00));
    }
}
