Feature: Offline data authentication, as the kernel decides it
  The cards of fixtures/cards/emv/ each drive one ODA decision; every
  scenario names what a correct kernel puts in the TVR and the TSI. The
  terminal goes online either way (the issuer decides), so each sale is
  approved: the decision shows in the evidence, not on the screen.

  Background:
    Given the terminal is powered on and signed on

  Scenario: A card with good DDA data passes DDA
    When the cashier makes a sale of 21.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the terminal shows "approved"
    And the terminal performed DDA
    And the TSI has "offline data authentication was performed"
    And the TVR does not have "offline data authentication failed"
    And the TVR does not have "offline data authentication was not performed"

  Scenario: A card without ODA data is not authenticated offline
    When the cashier makes a sale of 22.00 yuan with the inserted card "emv/no-oda-keys" and its PIN
    Then the terminal shows "approved"
    And the TVR has "offline data authentication was not performed"
    And the TSI does not have "offline data authentication was performed"

  Scenario: An ICC certificate that does not verify fails DDA
    When the cashier makes a sale of 23.00 yuan with the inserted card "emv/dda-broken-icc-certificate" and its PIN
    Then the terminal shows "approved"
    And the TVR has "DDA failed"
    And the TVR has "offline data authentication failed"
    And the TSI has "offline data authentication was performed"

  Scenario: A dynamic signature that does not verify fails DDA
    When the cashier makes a sale of 24.00 yuan with the inserted card "emv/dda-broken-signature" and its PIN
    Then the terminal shows "approved"
    And the terminal performed DDA
    And the TVR has "DDA failed"

  Scenario: An issuer certificate under a CA index the terminal lacks fails DDA
    When the cashier makes a sale of 25.00 yuan with the inserted card "emv/dda-unknown-ca-index" and its PIN
    Then the terminal shows "approved"
    And the TVR has "DDA failed"
    And the TVR does not have "ICC data missing"

  Scenario: A card with good CDA data: the cryptogram comes signed and verifies
    When the cashier makes a sale of 26.00 yuan with the inserted card "unionpay-credit" and its PIN
    Then the terminal shows "approved"
    And the terminal performed CDA
    And the terminal asked for an ARQC at the first GENERATE AC
    And the TVR does not have "CDA failed"
    And the TSI has "offline data authentication was performed"

  Scenario: A CDA signature that does not verify declines the sale
    When the cashier starts a sale of 27.00 yuan
    And the cardholder inserts the card "emv/cda-broken-signature"
    And the cardholder enters the card's PIN
    Then the terminal shows "card_declined"
    And the terminal performed CDA
    And the host received 0 sales

  Scenario: A card that offers SDA only is authenticated by SDA
    When the cashier makes a sale of 27.00 yuan with the inserted card "emv/sda-good" and its PIN
    Then the terminal shows "approved"
    And the TVR has "SDA selected"
    And the TVR does not have "offline data authentication failed"
    And the TSI has "offline data authentication was performed"

  Scenario: Signed static data that does not verify fails SDA
    When the cashier makes a sale of 28.00 yuan with the inserted card "emv/sda-broken-signed-static-data" and its PIN
    Then the terminal shows "approved"
    And the TVR has "SDA failed"
    And the TVR has "SDA selected"

  Scenario: The kernel set's good DDA card passes DDA
    When the cashier makes a sale of 29.00 yuan with the inserted card "emv/dda-good" and its PIN
    Then the terminal shows "approved"
    And the terminal performed DDA
    And the TVR does not have "offline data authentication failed"

  Scenario: The kernel set's good CDA card is authenticated at the first GENERATE AC
    When the cashier makes a sale of 30.00 yuan with the inserted card "emv/cda-good" and its PIN
    Then the terminal shows "approved"
    And the terminal performed CDA
    And the TVR does not have "offline data authentication failed"

  Scenario: An expired issuer certificate fails DDA
    When the cashier makes a sale of 26.00 yuan with the inserted card "emv/issuer-certificate-expired" and its PIN
    Then the terminal shows "approved"
    And the TVR has "DDA failed"

  Scenario: An issuer certificate on the terminal's revocation list fails DDA
    When the cashier makes a sale of 26.50 yuan with the inserted card "emv/issuer-certificate-revoked" and its PIN
    Then the terminal shows "approved"
    And the TVR has "DDA failed"
