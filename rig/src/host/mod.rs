//! The mock acquirer host: codec, crypto, an issuer model and a TCP server.

pub mod codec;
pub mod crypto;
pub mod issuer;
pub mod server;

pub use server::{HostHandle, MockHost};
