//! The kinds of transaction a message of the dialect can be.

/// The transactions of the dialect (pos-8583.md's message table, qr.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxnKind {
    SignOn,
    SignOff,
    EchoTest,
    Download,
    BalanceInquiry,
    Sale,
    Void,
    Refund,
    PreAuth,
    PreAuthCancel,
    Completion,
    CompletionAdvice,
    CompletionVoid,
    Reversal,
    Settlement,
    BatchUpload,
    BatchEnd,
    ScriptResult,
    QrPay,
    QrCreateOrder,
    QrQuery,
    QrCancel,
    Unknown,
}

impl TxnKind {
    /// The name steps and logs use ("sale", "pre-auth cancel", ...).
    pub fn name(self) -> &'static str {
        match self {
            TxnKind::SignOn => "sign-on",
            TxnKind::SignOff => "sign-off",
            TxnKind::EchoTest => "echo test",
            TxnKind::Download => "download",
            TxnKind::BalanceInquiry => "balance inquiry",
            TxnKind::Sale => "sale",
            TxnKind::Void => "void",
            TxnKind::Refund => "refund",
            TxnKind::PreAuth => "pre-auth",
            TxnKind::PreAuthCancel => "pre-auth cancel",
            TxnKind::Completion => "completion",
            TxnKind::CompletionAdvice => "completion advice",
            TxnKind::CompletionVoid => "completion void",
            TxnKind::Reversal => "reversal",
            TxnKind::Settlement => "settlement",
            TxnKind::BatchUpload => "batch upload",
            TxnKind::BatchEnd => "batch end",
            TxnKind::ScriptResult => "script result",
            TxnKind::QrPay => "payment code sale",
            TxnKind::QrCreateOrder => "dynamic code order",
            TxnKind::QrQuery => "payment code query",
            TxnKind::QrCancel => "payment code cancel",
            TxnKind::Unknown => "unknown",
        }
    }

    pub fn from_name(name: &str) -> Option<TxnKind> {
        ALL.iter().copied().find(|k| k.name() == name)
    }

    /// Kinds that move money and are reversed when unanswered.
    pub fn is_financial(self) -> bool {
        matches!(
            self,
            TxnKind::Sale
                | TxnKind::Void
                | TxnKind::Refund
                | TxnKind::PreAuth
                | TxnKind::PreAuthCancel
                | TxnKind::Completion
                | TxnKind::CompletionAdvice
                | TxnKind::CompletionVoid
                | TxnKind::QrPay
        )
    }
}

pub const ALL: [TxnKind; 23] = [
    TxnKind::SignOn,
    TxnKind::SignOff,
    TxnKind::EchoTest,
    TxnKind::Download,
    TxnKind::BalanceInquiry,
    TxnKind::Sale,
    TxnKind::Void,
    TxnKind::Refund,
    TxnKind::PreAuth,
    TxnKind::PreAuthCancel,
    TxnKind::Completion,
    TxnKind::CompletionAdvice,
    TxnKind::CompletionVoid,
    TxnKind::Reversal,
    TxnKind::Settlement,
    TxnKind::BatchUpload,
    TxnKind::BatchEnd,
    TxnKind::ScriptResult,
    TxnKind::QrPay,
    TxnKind::QrCreateOrder,
    TxnKind::QrQuery,
    TxnKind::QrCancel,
    TxnKind::Unknown,
];

/// Written by its name ("sale", "payment code sale"), as steps and logs say it.
impl serde::Serialize for TxnKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for TxnKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TxnKind, D::Error> {
        let name = String::deserialize(deserializer)?;
        TxnKind::from_name(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown transaction {name:?}")))
    }
}

impl std::fmt::Display for TxnKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}
