//! rig: a hardware-in-the-loop test rig for UnionPay POS payment terminals.
//!
//! Data flows down (steps -> bench -> devices -> terminal); events flow up
//! onto one [`events::Timeline`] that steps await, traces record and
//! snapshots read. See ARCHITECTURE.md for the map.

pub mod bench;
pub mod card;
pub mod chaos;
pub mod cli;
pub mod config;
pub mod cucumber_json;
pub mod decisions;
pub mod devices;
pub mod doctor;
pub mod emv;
pub mod events;
pub mod failure;
pub mod fuzzing;
pub mod host;
pub mod html;
pub mod instructions;
pub mod iso8583;
pub mod junit;
pub mod lab_flash;
pub mod lease;
pub mod mask;
pub mod outcome;
pub mod report;
pub mod scenario;
pub mod snapshot;
pub mod tags;
pub mod trace;
pub mod trace_tools;
