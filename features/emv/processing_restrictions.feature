Feature: Processing restrictions, as the kernel decides them
  Application versions, dates and usage control (EMV Book 3, 10.4): each
  card of fixtures/cards/emv/ sets one TVR bit a correct kernel must set.
  The terminal goes online either way and the issuer approves.

  Background:
    Given the terminal is powered on and signed on

  Scenario: A card in date, of the terminal's version and valid for goods sets none
    When the cashier makes a sale of 31.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the terminal shows "approved"
    And the TVR does not have "application not yet effective"
    And the TVR does not have "ICC and terminal have different application versions"
    And the TVR does not have "requested service not allowed for card product"

  Scenario: An application not yet effective
    When the cashier makes a sale of 32.00 yuan with the inserted card "emv/not-yet-effective" and its PIN
    Then the terminal shows "approved"
    And the TVR has "application not yet effective"
    And the TVR does not have "expired application"

  Scenario: An application version other than the terminal's
    When the cashier makes a sale of 33.00 yuan with the inserted card "emv/version-mismatch" and its PIN
    Then the terminal shows "approved"
    And the TVR has "ICC and terminal have different application versions"

  Scenario: Usage control without cashback does not stop a purchase without cashback
    When the cashier makes a sale of 35.00 yuan with the inserted card "emv/auc-no-cashback" and its PIN
    Then the terminal shows "approved"
    And the TVR does not have "requested service not allowed for card product"
    And the terminal asked for an ARQC at the first GENERATE AC

  Scenario: Usage control that does not allow domestic goods: the action codes deny it
    When the cashier starts a sale of 34.00 yuan
    And the cardholder inserts the card "emv/auc-no-domestic-goods"
    And the cardholder enters the card's PIN
    Then the terminal shows "card_declined"
    And the TVR has "requested service not allowed for card product"
    And the terminal asked for an AAC at the first GENERATE AC
    And the card answered an AAC at the first GENERATE AC
    And the host received 0 sales
