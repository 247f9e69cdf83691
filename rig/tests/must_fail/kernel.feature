Feature: The kernel's decisions: verdicts that never lie (must-fail corpus)
  Played by rig/tests/must_fail.rs like verdicts.feature: each step that
  judges a kernel decision fails when the evidence says otherwise, naming
  what it found by name.

  Background:
    Given the terminal is powered on and signed on

  # must fail (terminal failure): the TVR (95 = 0008040000, from the second GENERATE AC) does not have "expired application"; its bits set: "new card", "online PIN entered"
  Scenario: A card in date has no expired application in the TVR
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the TVR has "expired application"

  # must fail (terminal failure): the TVR (95 = 0008040000, from the second GENERATE AC) has "online PIN entered"; its bits set
  Scenario: An online PIN is in the TVR
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the TVR does not have "online PIN entered"

  # must fail (terminal failure): does not have "offline data authentication failed"; its bits set: "new card", "online PIN entered"
  Scenario: A group name is any of its bits
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the TVR has "offline data authentication failed"

  # must fail (feature mistake): TVR has no bit named "expired"
  Scenario: A bit's name is the specification's
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the TVR has "expired"

  # must fail (terminal failure): the TSI (9B = 4800, from field 55 of the host's last chip request) does not have "offline data authentication was performed"; its bits set: "cardholder verification was performed", "terminal risk management was performed"
  Scenario: A card without ODA data is not authenticated offline
    When the cashier makes a sale of 11.00 yuan with the inserted card "emv/no-oda-keys" and its PIN
    Then the TSI has "offline data authentication was performed"

  # must fail (terminal failure): the TVR (95 = 0008040000, from the second GENERATE AC) does not have "DDA failed"
  Scenario: A good card does not fail DDA
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the TVR has "DDA failed"

  # must fail (terminal failure): the TVR (95 = 0808040000, from the second GENERATE AC) has "offline data authentication failed"; its bits set: "DDA failed", "new card"
  Scenario: A broken dynamic signature fails DDA
    When the cashier makes a sale of 11.00 yuan with the inserted card "emv/dda-broken-signature" and its PIN
    Then the TVR does not have "offline data authentication failed"

  # must fail (terminal failure): the terminal sent no CVM results (9F34)
  Scenario: A sale declined offline sends no CVM results (not in the CDOL1, no host request)
    When the cashier makes a sale of 11.00 yuan with the inserted card "emv/iac-denial-dda-failed" and its PIN
    Then the CVM results say "online PIN, unknown"

  # must fail (feature mistake): is not "<method>, <result>"
  Scenario: CVM results are a method and a result
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the CVM results say "PIN"

  # must fail (terminal failure): the terminal asked for an ARQC at the first GENERATE AC, expected a TC
  Scenario: This kernel goes online at the first GENERATE AC
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the terminal asked for a TC at the first GENERATE AC

  # must fail (terminal failure): the card answered a TC at the second GENERATE AC, expected an AAC
  Scenario: An approved sale ends with a TC
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the card answered an AAC at the second GENERATE AC

  # must fail (terminal failure): the terminal sent no second GENERATE AC in the last transaction (0 sent)
  Scenario: A tap has no second GENERATE AC
    When the cashier starts a sale of 50.00 yuan
    And the cardholder taps the card "unionpay-credit"
    Then the card answered a TC at the second GENERATE AC

  # must fail (terminal failure): no INTERNAL AUTHENTICATE the card answered: no DDA
  Scenario: A card without ODA data gets no DDA
    When the cashier makes a sale of 11.00 yuan with the inserted card "emv/no-oda-keys" and its PIN
    Then the terminal performed DDA

  # must fail (terminal failure): no GENERATE AC asked for a CDA signature
  Scenario: A card whose AIP offers no CDA gets none
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the terminal performed CDA

  # must fail (terminal failure): the terminal verified no PIN offline enciphered (VERIFY P2 88); it sent no VERIFY
  Scenario: An online PIN is not an offline one
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the terminal verified the PIN offline enciphered

  # must pass
  Scenario: The decisions of an online chip sale
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the terminal asked for an ARQC at the first GENERATE AC
    And the card answered a TC at the second GENERATE AC
    And the TVR has "online PIN entered"
    And the TVR does not have "PIN try limit exceeded"
    And the terminal performed DDA
    And the TSI has "offline data authentication was performed"

  # must fail (terminal failure): the terminal sent 2 GENERATE AC (the first asked for an ARQC)
  Scenario: A transaction that went online sent its GENERATE ACs
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the terminal sent no GENERATE AC

  # must fail (terminal failure): the CVM results (9F34 = 1F0002, from field 55 of the host's last chip request) say "no CVM required, successful", expected "offline plaintext PIN, successful"
  Scenario: A card that asks for no CVM was not verified by offline PIN
    When the cashier starts a sale of 11.00 yuan
    And the cardholder inserts the card "emv/cvm-no-cvm"
    Then the CVM results say "offline plaintext PIN, successful"

  # must fail (terminal failure): the terminal selected the application A000000333010101, expected A000000333010102
  Scenario: A one-application card's application is the one selected
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the terminal selected the application "A000000333010102"
