//! Card models: what a card (or phone, or wallet) presents to a terminal,
//! built from a card profile. The transport is elsewhere (devices::card_link).

pub mod apdu;
#[cfg(feature = "pcsc")]
pub mod capture;
pub mod dol;
pub mod emv_card;
pub mod faults;
pub mod memory;
pub mod oda;
pub mod serve;
pub mod sw;
pub mod t0;
pub mod tlv;

pub use emv_card::{EmvCard, Field};
