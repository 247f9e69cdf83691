//! The wire protocol between terminal and acquirer, as pos-8583.md describes
//! it: the field table (`fields`: numbers, names, encodings, sub-field digit
//! ranges), the message type and its answer, advice and repeat forms (`mti`), the ISO 8583 codec (`codec`), the cryptography of the
//! dialect (`crypto`: DES / 3DES / SM4 behind one trait, check values, PIN
//! blocks, MACs, track encryption) and the layouts of working keys in field
//! 62 (`keys`), the kinds of transaction a message can be (`txn`), and response codes (`response`). It imports nothing of the rig, so configuration, the mock
//! host, the card model and the masks can all build on it.

pub mod codec;
pub mod crypto;
pub mod fields;
pub mod keys;
pub mod mti;
pub mod response;
pub mod txn;
