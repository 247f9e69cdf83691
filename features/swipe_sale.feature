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

  Scenario: A wrong PIN (55) lets the cardholder try again
    When the cashier starts a sale of 100.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the PIN "000000"
    Then the host answered "55"
    And the terminal shows "pin_retry"
    When the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the host received 2 sales

  Scenario: Three wrong PINs exceed the tries (75) and nothing is printed
    When the cashier starts a sale of 100.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the PIN "000000"
    And the cardholder enters the PIN "111111"
    And the cardholder enters the PIN "222222"
    Then the terminal shows "declined"
    And the terminal shows the reason for "75"
    And no receipt is printed

  Scenario Outline: Cancel at the <prompt> prompt ends the sale with nothing sent
    When the cashier opens the sale and waits for the <prompt> prompt
    And the cashier presses cancel
    Then the terminal shows "cancelled"
    And the host received 0 sales
    And no receipt is printed

    Examples:
      | prompt |
      | amount |
      | card   |
      | pin    |

  Scenario: Insufficient funds are declined with 51
    When the cashier starts a sale of 100.00 yuan
    And the cardholder swipes the card "unionpay-debit-low-balance"
    And the cardholder enters the card's PIN
    Then the terminal shows "declined"
    And the host answered "51"
    And the terminal shows "insufficient_funds"
    And no receipt is printed
