Feature: Terminal risk management and action analysis, as the kernel decides them
  The floor limit and the action codes (EMV Book 3, 10.6-10.7) of the
  terminal's parameters (VT-1: floor limit 500.00 yuan, TAC-denial
  0010000000; VT-2: floor limit 0, TAC-denial 0000000000) against the
  card's issuer action codes.

  Background:
    Given the terminal is powered on and signed on

  Scenario: A sale over the floor limit is marked so, and goes online
    When the cashier makes a sale of 600.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the terminal shows "approved"
    And the TVR has "transaction exceeds floor limit"
    And the TSI has "terminal risk management was performed"
    And the terminal asked for an ARQC at the first GENERATE AC

  Scenario: A TVR bit in the card's IAC-denial declines offline
    When the cashier starts a sale of 35.00 yuan
    And the cardholder inserts the card "emv/iac-denial-dda-failed"
    And the cardholder enters the card's PIN
    Then the terminal shows "card_declined"
    And the TVR has "DDA failed"
    And the terminal asked for an AAC at the first GENERATE AC
    And the host received 0 sales

  Scenario: A card that went offline more often than its lower limit allows
    When the cashier makes a sale of 36.00 yuan with the inserted card "emv/velocity-lower-limit-exceeded" and its PIN
    Then the terminal shows "approved"
    And the TVR has "lower consecutive offline limit exceeded"
    And the TVR does not have "upper consecutive offline limit exceeded"
    And the TVR does not have "new card"
    And the terminal asked for an ARQC at the first GENERATE AC

  Scenario: A card that went offline more often than its upper limit allows
    When the cashier makes a sale of 37.00 yuan with the inserted card "emv/velocity-upper-limit-exceeded" and its PIN
    Then the terminal shows "approved"
    And the TVR has "lower consecutive offline limit exceeded"
    And the TVR has "upper consecutive offline limit exceeded"

  Scenario: A card that never went online is a new card
    When the cashier makes a sale of 38.00 yuan with the inserted card "emv/dda-good" and its PIN
    Then the terminal shows "approved"
    And the TVR has "new card"
