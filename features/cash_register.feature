Feature: Driving the terminal from the cash register (ECR)
  The cash register sends the amount over the terminal's second serial line
  and gets the result back; the cardholder does the rest at the terminal.

  Background:
    Given the terminal is powered on and signed on

  Scenario: A sale started by the cash register is approved and reported back
    When the cash register requests a sale of 66.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the cash register receives the result "00"
    And the last receipt shows the amount 66.00 yuan

  Scenario: A decline goes back to the cash register with its code
    When the cash register requests a sale of 99.00 yuan
    And the cardholder swipes the card "unionpay-debit-low-balance"
    And the cardholder enters the card's PIN
    Then the cash register receives the result "51"

  Scenario: A cancel at the terminal is reported as cancelled
    When the cash register requests a sale of 5.00 yuan
    And the cashier presses cancel
    Then the cash register receives the result "CN"

  Scenario: The cash register settles the day
    When the cash register requests a sale of 8.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    Then the cash register receives the result "00"
    When the cash register requests settlement
    Then the cash register receives the result "00"
    And the host received 1 settlement

  Scenario: The cash register voids the last sale
    When the cash register requests a sale of 12.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    Then the cash register receives the result "00"
    When the cash register requests a void of the last sale
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    Then the cash register receives the result "00"
    And the host received 1 void
    And the last receipt shows "void"

  Scenario: A settlement the host refused is reported to the cash register with its code
    Given the host answers "96" to the next settlement
    When the cash register requests settlement
    Then the cash register receives the result "96"
    And the terminal shows "settlement_failed"

  Scenario: A settlement refused for a pending reversal is reported as not done
    Given the host does not answer the next sale
    When the cash register requests a sale of 30.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    Then the cash register receives the result "ND"
    Given the host drops the connection after the next 3 reversal requests
    When the cash register requests settlement
    Then the cash register receives the result "ND"
    And the terminal shows "settlement_failed"
    And the host received 0 settlements
