//! Fault campaigns (`rig chaos`): a scenario played once to learn its
//! injection points, then once per point and fault with exactly that fault
//! injected, each play followed by a recovery, a settlement and the money
//! invariants checked against the mock host's ledger.
//!
//! `injection` (points, faults, their spelling), `arm` (a fault set on a
//! live bench), `recover` (recovery, settlement, the verdict),
//! `invariants` (the checks), `campaign` (the plays, the table, junit.xml).

pub mod arm;
pub mod campaign;
pub mod injection;
pub mod invariants;
pub mod recover;
