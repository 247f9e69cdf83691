//! A terminal kernel's decisions as the evidence shows them (issue 25):
//! `names` (TVR, TSI, CVM results and cryptogram types by their names in
//! the specifications, English and PBOC Chinese), `evidence` (the last
//! transaction read from the timeline: the APDUs and field 55),
//! `tag_names` (data objects by name, decision objects by meaning, for
//! the evidence's readers). Steps
//! (`scenario/steps/kernel.rs`) assert on these; nothing here knows a make
//! of terminal.

pub mod evidence;
pub mod names;
pub mod tag_names;
