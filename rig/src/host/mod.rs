//! The mock acquirer host: codec, crypto, keys, an issuer model with a
//! ledger, scriptable faults and a TCP server.

pub mod faults;
pub mod handlers;
pub mod issuer;
pub mod ledger;
pub mod server;
pub mod standalone;
pub mod txn;

pub use server::{HostHandle, MockHost};
