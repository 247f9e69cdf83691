//! Reading the card: stripe or chip (the EMV kernel in `crate::chip`), application choice, the PIN, and what the card says of the host's answer.

use super::*;

impl Terminal {
    pub(super) fn read_card(&self, fen: u64) -> Result<CardData, Abort> {
        let amount = format!("RMB {}", receipt::yuan(fen));
        // A card-first model asks for the card before it knows the amount.
        let screen: &[&str] = if fen == 0 && self.params.model.card_first() {
            &["请刷卡/插卡/挥卡 SWIPE/INSERT/TAP CARD"]
        } else {
            &["请刷卡/插卡/挥卡 SWIPE/INSERT/TAP CARD", &amount]
        };
        loop {
            self.console.display(screen);
            match self.next_input(Some(PROMPT_TIMEOUT))? {
                Input::Key(k) if k == "CANCEL" => return Err(Abort::Cancelled),
                Input::Swipe(Swipe { track2, track3 }) => {
                    let Some((pan, rest)) = track2.split_once('=') else {
                        self.console
                            .display(&["读卡失败 READ ERROR", "请重刷 PLEASE SWIPE AGAIN"]);
                        continue;
                    };
                    if rest.len() < 7 || pan.len() < 13 {
                        self.console
                            .display(&["读卡失败 READ ERROR", "请重刷 PLEASE SWIPE AGAIN"]);
                        continue;
                    }
                    // Service code 2xx / 6xx: the card has a chip, which must be used.
                    if matches!(rest.as_bytes()[4], b'2' | b'6') {
                        self.console.display(&["请插卡 PLEASE INSERT CARD", "芯片卡 CHIP CARD"]);
                        continue;
                    }
                    return Ok(CardData {
                        pan: pan.into(),
                        expiry: rest[..4].into(),
                        track2: track2.clone(),
                        track3,
                        entry: Entry::Swipe,
                        chip: None,
                    });
                }
                // Over the contactless transaction limit a tap is refused:
                // the cardholder inserts instead.
                Input::Card(session)
                    if session.slot == Slot::Contactless && fen > self.params.contactless_limits().transaction_fen =>
                {
                    self.console.log("qPBOC: over the contactless transaction limit");
                    self.console
                        .display(&["请插卡 PLEASE INSERT CARD", "超过非接限额 OVER CONTACTLESS LIMIT"]);
                }
                Input::Card(session) => return self.read_chip(session, fen),
                _ => {}
            }
        }
    }

    pub(super) fn read_chip(&self, mut session: CardSession, fen: u64) -> Result<CardData, Abort> {
        self.console.display(&["读卡中 READING CARD", "请勿移卡 DO NOT REMOVE"]);
        let entry = if session.slot == Slot::Contact {
            Entry::Insert
        } else {
            Entry::Tap
        };
        let mut terminal =
            chip::terminal_values(fen, &crate::clock::yymmdd(), rand_bytes(), self.params.capabilities());
        if session.slot == Slot::Contactless {
            terminal.insert("9F66".into(), crate::qpboc::ttq(fen, &self.params.contactless_limits()));
        }
        let authorities = chip::Authorities {
            keys: &self.params.ca_keys,
            revoked: &self.params.revoked,
            ignore_failures: self.firmware.kernel_ignores_oda_failure,
        };
        let read = chip::read(&mut session, &terminal, &authorities, |apps| {
            self.choose_application(apps)
        });
        match read {
            Ok(read) => {
                if let Some(why) = &read.oda_failure {
                    self.console
                        .log(&format!("chip: offline data authentication failed: {why}"));
                }
                if entry == Entry::Tap {
                    self.console.display(&["读卡完成 请移卡 CARD READ, REMOVE CARD"]);
                }
                Ok(CardData {
                    pan: read.pan.clone(),
                    expiry: read.expiry.clone(),
                    track2: read.track2.clone(),
                    track3: None,
                    entry,
                    chip: Some((read, session)),
                })
            }
            Err(e) => {
                self.console.log(&format!("chip: {}", e.detail()));
                Err(Abort::Card(e.display()))
            }
        }
    }

    /// The cardholder picks an application when the card has several.
    pub(super) fn choose_application(&self, apps: &[(Vec<u8>, String, u8)]) -> Option<usize> {
        let list: Vec<String> = apps
            .iter()
            .enumerate()
            .map(|(i, a)| format!("{}.{}", i + 1, a.1))
            .collect();
        self.console
            .display(&["请选择应用 SELECT APPLICATION", &list.join(" ")]);
        loop {
            let key = self.next_key().ok()?;
            if key == "CANCEL" {
                return None;
            }
            if let Some(i) = key.parse::<usize>().ok().filter(|i| (1..=apps.len()).contains(i)) {
                return Some(i - 1);
            }
        }
    }

    /// Online PIN unless a phone verified its owner (CDCVM), or a tap is
    /// under the no-PIN limit (免密).
    pub(super) fn needs_pin(&self, card: &CardData, fen: u64) -> bool {
        if card.entry != Entry::Tap {
            return true;
        }
        let ctq = card
            .chip
            .as_ref()
            .and_then(|(r, _)| r.tags.get("9F6C").cloned())
            .unwrap_or_default();
        let cdcvm = ctq.get(1).is_some_and(|b| b & 0x80 != 0);
        !cdcvm && fen > self.params.no_pin_limit_fen
    }

    pub(super) fn read_pin(&self, fen: u64) -> Result<String, Abort> {
        let mut pin = String::new();
        loop {
            self.console.display(&[
                "请输入密码 ENTER PIN",
                &"*".repeat(pin.len()),
                &format!("RMB {}", receipt::yuan(fen)),
            ]);
            match self.next_key()?.as_str() {
                "CANCEL" => return Err(Abort::Cancelled),
                "CLEAR" => {
                    pin.pop();
                }
                "ENTER" if pin.is_empty() || pin.len() >= 4 => return Ok(pin),
                d if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() && pin.len() < 12 => pin.push_str(d),
                _ => {}
            }
        }
    }

    /// Cardholder verification of an inserted card (crate::cvm): an
    /// offline PIN is keyed here, again after a wrong one while the card
    /// allows tries.
    pub(super) fn verify_cardholder(
        &self,
        read: &mut ChipRead,
        session: &mut CardSession,
        fen: u64,
    ) -> Result<crate::cvm::Decision, Abort> {
        let capabilities = self.params.capabilities()[1];
        let decision = crate::cvm::verify(session, read, capabilities, |prompt| {
            if let Some(left) = prompt.tries_left {
                self.console.display(&[
                    "密码错误 请重试 WRONG PIN, TRY AGAIN",
                    &format!("剩余{left}次 {left} TRIES LEFT"),
                ]);
            }
            self.read_pin(fen)
        });
        match decision {
            Ok(decision) => {
                if decision.signature {
                    self.console.log("chip: the cardholder signs the slip (CVM signature)");
                }
                Ok(decision)
            }
            Err(crate::cvm::Stop::Cardholder(abort)) => Err(abort),
            Err(crate::cvm::Stop::Card(e)) => Err(Abort::Card(e.display())),
        }
    }

    /// Contact chip: the issuer's answer goes to the card (second GENERATE AC);
    /// true when the card agrees to approve. Other cards agree by definition.
    pub(super) fn card_accepts(&mut self, card: &mut CardData, resp: &Message, approved: bool) -> bool {
        let (Entry::Insert, Some((read, session))) = (card.entry, card.chip.as_mut()) else {
            return true;
        };
        let arc = resp.text(39).unwrap_or("Z3");
        let raw55 = resp.bytes(55).unwrap_or_default().to_vec();
        let f55 = crate::tlv::parse(&raw55);
        let iad = f55.get("91").cloned();
        // EMV Book 3, 10.10: template 71 scripts run before the final
        // GENERATE AC, template 72 ones after it; DF31 reports both, in order.
        let (before, after): (Vec<_>, Vec<_>) = crate::tlv::scripts(&raw55)
            .into_iter()
            .partition(|(template, _, _)| *template == crate::tlv::SCRIPT_BEFORE_FINAL_AC);
        let mut results = chip::run_scripts(session, read, &before, true);
        let accepted = match chip::second_ac(session, read, arc, iad.as_deref(), approved) {
            Ok(tc) => tc || !approved,
            Err(_) => false,
        };
        results.extend(chip::run_scripts(session, read, &after, false));
        if !results.is_empty() {
            self.pending_script_result = Some(results);
        }
        accepted
    }
}
