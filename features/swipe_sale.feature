Feature: Sale by swipe with online PIN
  A cashier sells with a magnetic stripe card; the cardholder enters the PIN
  on the terminal; the acquirer authorises online.

  Background:
    Given the terminal is powered on and signed on

  @smoke
  Scenario: An approved swipe sale prints both copies of the slip
    When the cashier starts a sale of 100.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the host answered "00"
    And the receipt matches the snapshot "swipe-sale-approved-receipt"
    And the host messages match the snapshot "swipe-sale-approved-host"

  Scenario: A wrong PIN is declined with 55 and nothing is printed
    When the cashier starts a sale of 100.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the PIN "000000"
    Then the terminal shows "declined"
    And the host answered "55"
    And the display reads "密码错误"
    And no receipt is printed

  Scenario: Insufficient funds are declined with 51
    When the cashier starts a sale of 100.00 yuan
    And the cardholder swipes the card "unionpay-debit-low-balance"
    And the cardholder enters the card's PIN
    Then the terminal shows "declined"
    And the host answered "51"
    And the display reads "INSUFFICIENT FUNDS"
    And no receipt is printed
