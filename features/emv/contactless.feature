Feature: Contactless (qPBOC), as the reader's kernel decides it
  The reader sends its terminal transaction qualifiers (9F66) for the
  amount: under its contactless floor limit it is offline-capable, over it
  it asks the card for an online cryptogram, over the CVM (免密) limit it
  requires a CVM, and over the contactless transaction limit it refuses the
  tap. A card's TC in the GPO answer is an offline approval only when fDDA
  verifies (PBOC 3.0 part 12). A terminal without a contactless reader
  skips these.

  Background:
    Given the terminal is powered on and signed on

  Scenario: A card with an offline balance is approved offline after fDDA
    When the cashier starts a sale of 30.00 yuan
    And the cardholder taps the card "emv/tap-offline-approval"
    Then the terminal shows "approved"
    And the card answered a TC at the first GENERATE AC
    And no PIN was asked
    And the host received 0 sales

  Scenario: A TC whose fDDA signature does not verify is declined offline
    When the cashier starts a sale of 30.00 yuan
    And the cardholder taps the card "emv/tap-fdda-failure"
    Then the terminal shows "card_declined"
    And the card answered a TC at the first GENERATE AC
    And the host received 0 sales

  Scenario: Over the reader's contactless floor limit the card must go online
    When the cashier starts a sale of 600.00 yuan
    And the cardholder taps the card "emv/tap-online-cryptogram-required"
    Then the terminal shows "approved"
    And the card answered an ARQC at the first GENERATE AC
    And the host received 1 sale

  Scenario: Over the CVM limit the reader requires a CVM: online PIN
    When the cashier makes a sale of 1200.00 yuan with the tapped card "emv/tap-online-cryptogram-required" and its PIN
    Then the terminal shows "approved"
    And the card answered an ARQC at the first GENERATE AC

  Scenario: Over the contactless transaction limit the tap is refused
    When the cashier starts a sale of 2500.00 yuan
    And the cardholder taps the card "emv/tap-over-transaction-limit"
    Then the terminal shows "use_chip"
    When the cardholder presses cancel
    Then the host received 0 sales
