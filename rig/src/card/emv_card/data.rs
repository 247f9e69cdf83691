//! GET DATA (EMV Book 3, 6.5.7): the counters, the log format, and what PUT DATA wrote.

use super::{EmvCard, encode};
use crate::card::apdu::Response;
use crate::card::sw::Sw;
use crate::card::tlv::prim;
use crate::tags;

impl EmvCard {
    pub(super) fn get_data(&self, p1: u8, p2: u8) -> Response {
        let tag = hex::encode_upper([p1, p2]);
        let memory = self.memory.get();
        let value = match tag.as_str() {
            tags::PIN_TRY_COUNTER => vec![memory.pin_tries],
            tags::ATC => memory.atc.to_be_bytes().to_vec(),
            tags::LAST_ONLINE_ATC => memory.last_online_atc.to_be_bytes().to_vec(),
            _ => match (memory.written.get(&tag), tag.as_str()) {
                (Some(v), _) => v.clone(),
                // The personalised log format, unless PUT DATA wrote another.
                (None, tags::LOG_FORMAT) => hex::decode(super::log::LOG_FORMAT).unwrap_or_default(),
                (None, _) => return Sw::REFERENCED_DATA_NOT_FOUND.into(),
            },
        };
        Response::ok(encode(&[prim(&tag, &value)]))
    }
}
