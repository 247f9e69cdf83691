//! The transaction log (PBOC 3.0 part 5, the transaction log; EMV Book 3,
//! Annex D as we read it): the application's FCI says where the log is
//! (9F4D: its SFI and how many records it keeps), GET DATA 9F4F says how a
//! record is laid out, READ RECORD of that SFI reads the records, newest
//! first. The card writes a record for every transaction it approved with
//! a TC; the log lives in the card's memory, so it outlasts the presentation.

use super::EmvCard;
use crate::card::apdu::Response;
use crate::card::sw::Sw;
use std::collections::BTreeMap;

/// The log's SFI and how many records it keeps (the value of 9F4D).
pub(super) const LOG_SFI: u8 = 11;
pub(super) const LOG_RECORDS: u8 = 10;
/// The log format (9F4F): date, time, amount, other amount, country,
/// currency, merchant name, transaction type, ATC.
pub(super) const LOG_FORMAT: &str = "9A039F21039F02069F03069F1A025F2A029F4E149C019F3602";

/// One log record: the values the format names, from the transaction's
/// terminal data; what the card was not given (time, merchant name) is zeros.
pub(super) fn record(terminal: &BTreeMap<String, Vec<u8>>, atc: u16) -> Vec<u8> {
    let format = hex::decode(LOG_FORMAT).unwrap_or_default();
    let mut out = Vec::new();
    for (tag, len) in crate::card::dol::parse(&format).unwrap_or_default() {
        let value = match tag.as_str() {
            crate::tags::ATC => atc.to_be_bytes().to_vec(),
            _ => terminal.get(&tag).cloned().unwrap_or_default(),
        };
        let mut field = vec![0; len];
        let n = value.len().min(len);
        field[len - n..].copy_from_slice(&value[value.len() - n..]);
        out.extend(field);
    }
    out
}

impl EmvCard {
    /// Keeps a record of an approved transaction, newest first.
    pub(super) fn log_transaction(&self, terminal: &BTreeMap<String, Vec<u8>>) {
        let entry = record(terminal, self.atc());
        let mut memory = self.memory.get();
        memory.log.insert(0, entry);
        memory.log.truncate(usize::from(LOG_RECORDS));
    }

    /// READ RECORD of the log file: record n is the n-th newest.
    pub(super) fn read_log(&self, number: u8) -> Response {
        let memory = self.memory.get();
        match usize::from(number).checked_sub(1).and_then(|i| memory.log.get(i)) {
            Some(r) => Response::ok(r.clone()),
            None => Sw::RECORD_NOT_FOUND.into(),
        }
    }
}
