Feature: Mandatory card data and the card's own decisions
  A kernel ends the transaction when a card lacks mandatory data (EMV
  Book 3, 10.2: 5A, 5F24, 8C, 8D) and follows the card's answer at each
  GENERATE AC: an AAC at the first declines offline; an AAC at the second
  after the issuer approved declines, and the approval is reversed.

  Background:
    Given the terminal is powered on and signed on

  Scenario: A card without CDOL1 ends the transaction before any cryptogram
    When the cashier starts a sale of 41.00 yuan
    And the cardholder inserts the card "emv/missing-cdol1"
    Then the terminal shows "failed"
    And no PIN was asked
    And the terminal sent no GENERATE AC
    And the host received 0 sales

  Scenario: A card without an expiry date ends the transaction before any cryptogram
    When the cashier starts a sale of 42.00 yuan
    And the cardholder inserts the card "emv/missing-expiry-date"
    Then the terminal shows "failed"
    And the terminal sent no GENERATE AC
    And the host received 0 sales

  Scenario: An expired application is marked so, and the issuer refuses it
    When the cashier makes a sale of 43.00 yuan with the inserted card "emv/expired-application" and its PIN
    Then the terminal shows "declined"
    And the terminal shows the reason for "54"
    And the TVR has "expired application"
    And the TVR has "DDA failed"

  Scenario: The card declines at the first GENERATE AC
    When the cashier starts a sale of 44.00 yuan
    And the cardholder inserts the card "emv/card-declines-first-ac"
    And the cardholder enters the card's PIN
    Then the terminal shows "card_declined"
    And the terminal asked for an ARQC at the first GENERATE AC
    And the card answered an AAC at the first GENERATE AC
    And the host received 0 sales

  Scenario: The card declines at the second GENERATE AC after the issuer approved, and the approval is reversed
    When the cashier makes a sale of 45.00 yuan with the inserted card "emv/card-declines-second-ac" and its PIN
    Then the terminal shows "card_declined"
    And the terminal asked for a TC at the second GENERATE AC
    And the card answered an AAC at the second GENERATE AC
    When the cashier has the terminal send its pending reversal
    Then the host received a reversal of the 45.00 yuan sale with reason "06"
