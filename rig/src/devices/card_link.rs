//! Card link, card side of the vpcd protocol (vpcd.md): the emulated card
//! connects to a reader that listens (the virtual terminal's slot, pcscd's
//! vpcd driver) and answers power, ATR and APDU requests.

use super::DeviceError;
pub use super::roles::SmartCard;
use super::roles::{CardLink, Readers};
use crate::events::{Kind, Source, Timeline};
use futures::future::BoxFuture;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

impl SmartCard for Box<dyn SmartCard> {
    fn atr(&self) -> Vec<u8> {
        (**self).atr()
    }
    fn power_on(&mut self) {
        (**self).power_on()
    }
    fn power_off(&mut self) {
        (**self).power_off()
    }
    fn transmit(&mut self, command: &[u8]) -> Vec<u8> {
        (**self).transmit(command)
    }
    fn present(&self) -> bool {
        (**self).present()
    }
    fn answer_delay(&self) -> std::time::Duration {
        (**self).answer_delay()
    }
}

/// A card with no applications: answers every command with 6A82 (file not found).
pub struct BlankCard;

impl SmartCard for BlankCard {
    fn atr(&self) -> Vec<u8> {
        vec![0x3B, 0x80, 0x80, 0x01, 0x01]
    }
    fn transmit(&mut self, _command: &[u8]) -> Vec<u8> {
        vec![0x6A, 0x82]
    }
}

/// A card sitting in a reader; dropping it pulls the card out.
pub struct InsertedCard {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for InsertedCard {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl InsertedCard {
    pub fn remove(self, timeline: &Timeline) {
        drop(self);
        timeline.publish(Source::CardLink, Kind::CardRemoved);
    }
}

async fn read_frame(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let len = stream.read_u16().await?;
    let mut buf = vec![0u8; usize::from(len)];
    stream.read_exact(&mut buf).await?;
    Ok(buf)
}

async fn write_frame(stream: &mut TcpStream, payload: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(payload.len()).map_err(|_| std::io::Error::other("frame over 65535 bytes"))?;
    let mut out = Vec::with_capacity(payload.len() + 2);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    stream.write_all(&out).await
}

/// Connects `card` to the reader listening at `addr`.
pub async fn insert(addr: &str, card: impl SmartCard, timeline: Timeline) -> Result<InsertedCard, DeviceError> {
    let stream = TcpStream::connect(addr).await.map_err(|e| DeviceError::CardLink {
        addr: addr.into(),
        message: e.to_string(),
    })?;
    // Each answer is one small frame the terminal waits for: no Nagle delay.
    if let Err(e) = stream.set_nodelay(true) {
        timeline.publish(
            Source::Rig,
            Kind::Step {
                text: format!("card link {addr}: TCP_NODELAY not set ({e}); answers may wait on Nagle"),
            },
        );
    }
    timeline.publish(
        Source::CardLink,
        Kind::CardInserted {
            atr: hex::encode_upper(card.atr()),
        },
    );
    let task = tokio::spawn(serve(stream, card, timeline));
    Ok(InsertedCard { task })
}

/// Waits at `addr` for a reader that connects: vpcd in reversed mode, or
/// vsmartcard's Android relay app on a phone tapped on a real terminal.
/// Returns the bound address and the card, served once the reader comes.
pub async fn listen(
    addr: &str,
    card: impl SmartCard,
    timeline: Timeline,
) -> Result<(std::net::SocketAddr, InsertedCard), DeviceError> {
    let err = |e: std::io::Error| DeviceError::CardLink {
        addr: addr.into(),
        message: e.to_string(),
    };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(err)?;
    let bound = listener.local_addr().map_err(err)?;
    let task = tokio::spawn(async move {
        if let Ok((stream, _)) = listener.accept().await {
            if let Err(e) = stream.set_nodelay(true) {
                timeline.publish(
                    Source::Rig,
                    Kind::Step {
                        text: format!("card link: TCP_NODELAY not set ({e}); answers may wait on Nagle"),
                    },
                );
            }
            timeline.publish(
                Source::CardLink,
                Kind::CardInserted {
                    atr: hex::encode_upper(card.atr()),
                },
            );
            serve(stream, card, timeline).await;
        }
    });
    Ok((bound, InsertedCard { task }))
}

/// The card's answer to one frame of the reader (vpcd.md): power off (00),
/// power on or reset (01, 02), the ATR (04), other one-byte controls
/// (none), or an APDU (its response).
pub fn answer(card: &mut impl SmartCard, request: &[u8]) -> Option<Vec<u8>> {
    match request {
        [0x00] => {
            card.power_off();
            None
        }
        [0x01] | [0x02] => {
            card.power_on();
            None
        }
        [0x04] => Some(card.atr()),
        [] | [_] => None,
        command => Some(card.transmit(command)),
    }
}

/// The card side of the protocol on a connected stream, until it closes.
async fn serve(mut stream: TcpStream, mut card: impl SmartCard, timeline: Timeline) {
    while let Ok(request) = read_frame(&mut stream).await {
        let is_apdu = request.len() > 1;
        if is_apdu {
            let delay = card.answer_delay();
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
        let reply = answer(&mut card, &request);
        if let (true, Some(response)) = (is_apdu, &reply) {
            timeline.publish(
                Source::CardLink,
                Kind::Apdu {
                    command: hex::encode_upper(&request),
                    response: hex::encode_upper(response),
                },
            );
        }
        if let Some(reply) = reply {
            if write_frame(&mut stream, &reply).await.is_err() {
                return;
            }
        }
        if !card.present() {
            timeline.publish(Source::CardLink, Kind::CardRemoved);
            return;
        }
    }
}

/// Cards over the vpcd protocol to the readers the terminal (vterm) or a
/// card emulator listens on: the virtual bench's [`CardLink`], and the lab
/// bench's for its contact slot.
pub struct VpcdLink {
    timeline: Timeline,
    readers: Readers,
    /// The readers are the terminal's own (they come and go with its power).
    announced: bool,
    /// Announced readers are known: the terminal is on and said which it has.
    powered: bool,
    in_slot: Option<InsertedCard>,
    in_field: Option<InsertedCard>,
}

impl VpcdLink {
    /// `readers` known before power-on (a card emulator's); a virtual
    /// terminal's are announced when it is on.
    pub fn new(readers: Readers, timeline: Timeline) -> VpcdLink {
        VpcdLink {
            timeline,
            announced: readers.contact.is_none() && readers.contactless.is_none(),
            readers,
            powered: false,
            in_slot: None,
            in_field: None,
        }
    }

    /// Why there is no reader of `kind`: an announcing terminal that is off,
    /// or one that did not name that reader in its READY line.
    fn no_reader(&self, kind: &str) -> DeviceError {
        if self.announced && self.powered {
            DeviceError::Terminal(format!("named no {kind} reader in its READY line"))
        } else {
            DeviceError::Terminal(format!("is off: no {kind} reader"))
        }
    }

    pub fn has_contactless(&self) -> bool {
        self.readers.contactless.is_some()
    }
}

impl CardLink for VpcdLink {
    fn terminal_on(&mut self, readers: &Readers) {
        if self.announced {
            self.readers = readers.clone();
            self.powered = true;
        }
    }

    fn insert(&mut self, card: Box<dyn SmartCard>) -> BoxFuture<'_, Result<(), DeviceError>> {
        Box::pin(async move {
            let addr = self.readers.contact.clone().ok_or_else(|| self.no_reader("contact"))?;
            self.in_slot = Some(insert(&addr, card, self.timeline.clone()).await?);
            Ok(())
        })
    }

    fn bring_to_field(&mut self, card: Box<dyn SmartCard>) -> BoxFuture<'_, Result<(), DeviceError>> {
        Box::pin(async move {
            let addr = self
                .readers
                .contactless
                .clone()
                .ok_or_else(|| self.no_reader("contactless"))?;
            self.in_field = Some(insert(&addr, card, self.timeline.clone()).await?);
            Ok(())
        })
    }

    fn remove(&mut self) -> bool {
        let mut removed = false;
        for card in [self.in_slot.take(), self.in_field.take()].into_iter().flatten() {
            card.remove(&self.timeline);
            removed = true;
        }
        removed
    }

    fn terminal_off(&mut self) {
        self.in_slot = None;
        self.in_field = None;
        if self.announced {
            self.readers = Readers::default();
            self.powered = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// The reader side, as vpcd.md describes pcscd's vpcd driver.
    #[tokio::test]
    async fn answers_power_atr_and_apdus_like_vpcd_expects() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let timeline = Timeline::new();
        let card = insert(&addr, BlankCard, timeline.clone()).await.unwrap();
        let (mut reader, _) = listener.accept().await.unwrap();
        write_frame(&mut reader, &[0x01]).await.unwrap();
        write_frame(&mut reader, &[0x04]).await.unwrap();
        assert_eq!(
            read_frame(&mut reader).await.unwrap(),
            vec![0x3B, 0x80, 0x80, 0x01, 0x01]
        );
        let select_pse = hex::decode("00A404000E315041592E5359532E444446303100").unwrap();
        write_frame(&mut reader, &select_pse).await.unwrap();
        assert_eq!(read_frame(&mut reader).await.unwrap(), vec![0x6A, 0x82]);
        let (apdu, _) = timeline
            .wait_for(0, std::time::Duration::from_secs(5), "APDU event", |e| match &e.kind {
                Kind::Apdu { command, response } => Some((command.clone(), response.clone())),
                _ => None,
            })
            .await
            .unwrap();
        assert_eq!(
            apdu,
            (
                "00A404000E315041592E5359532E444446303100".to_string(),
                "6A82".to_string()
            )
        );
        card.remove(&timeline);
        let mut rest = Vec::new();
        // Removal closes the link: the reader reads end of stream.
        assert_eq!(reader.read_to_end(&mut rest).await.unwrap(), 0);
    }

    /// A relay (vsmartcard's Android app) connects to the card, not the other way.
    #[tokio::test]
    async fn a_listening_card_serves_the_reader_that_connects() {
        let timeline = Timeline::new();
        let (addr, _card) = listen("127.0.0.1:0", BlankCard, timeline.clone()).await.unwrap();
        let mut relay = TcpStream::connect(addr).await.unwrap();
        write_frame(&mut relay, &[0x04]).await.unwrap();
        assert_eq!(read_frame(&mut relay).await.unwrap(), BlankCard.atr());
        write_frame(&mut relay, &[0x00, 0xA4, 0x04, 0x00, 0x00]).await.unwrap();
        assert_eq!(read_frame(&mut relay).await.unwrap(), vec![0x6A, 0x82]);
    }
}
