Feature: What the terminal does when the acquirer host misbehaves
  The mock host can be scripted to decline, stall, drop and lie. Each
  scenario shows the terminal's answer to one fault, and the reversal
  (冲正) it owes the host afterwards.

  Background:
    Given the terminal is powered on and signed on

  Scenario: A scripted decline code is shown and nothing is printed
    Given the host answers "05" to the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "declined"
    And the terminal shows the reason for "05"
    And no receipt is printed
    And the host received no reversal

  Scenario: No answer: the terminal times out and reverses before the next sale
    Given the host does not answer the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "timed_out"
    And no receipt is printed
    When the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the host received a reversal of the 100.00 yuan sale with reason "98"
    And the terminal shows "approved"

  Scenario: An answer later than the terminal's timeout counts as none
    Given the host delays its answer to the next sale past the terminal's timeout
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "timed_out"
    When the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the host received a reversal of the 100.00 yuan sale with reason "98"

  Scenario: A slow answer within the terminal's timeout is taken
    Given the host delays its answer to the next sale but within the terminal's timeout
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "approved"
    And the host received no reversal

  Scenario: The connection drops after the request
    Given the host drops the connection after the next sale request
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "timed_out"
    When the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the host received a reversal of the 100.00 yuan sale with reason "98"

  Scenario: The connection drops halfway through the answer
    Given the host drops the connection halfway through its answer to the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "timed_out"
    And no receipt is printed
    When the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the host received a reversal of the 100.00 yuan sale with reason "98"

  Scenario: A wrong MAC in the answer: reversal A0 and a new sign-on
    Given the host corrupts the MAC of its answer to the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "mac_error"
    And no receipt is printed
    And the host received 2 sign-ons
    When the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the host received a reversal of the 100.00 yuan sale with reason "A0"

  Scenario Outline: An answer that does not match the request is not trusted
    Given <fault>
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "mismatch"
    And no receipt is printed
    When the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the host received a reversal of the 100.00 yuan sale with reason "06"

    Examples:
      | fault                                                              |
      | the host echoes a wrong STAN in its answer to the next sale        |
      | the host echoes a wrong terminal ID in its answer to the next sale |
      | the host answers the next sale with a wrong MTI                    |

  Scenario: Host down: nothing was sent, so nothing is reversed
    Given the host is down
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "unreachable"
    And no receipt is printed
    When the host comes back up
    And the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "approved"
    And the host received no reversal

  Scenario: A batch mismatch (77) makes the terminal sign on again
    Given the host answers "77" to the next sale
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "declined"
    And the host received 2 sign-ons
    And the host received no reversal

  Scenario: A reversal the host does not take is sent again, and no new sale goes out while it is pending
    Given the host does not answer the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "timed_out"
    Given the host drops the connection after the next 3 reversal requests
    When the cashier starts a sale of 1.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    Then the terminal shows "reversal_failed"
    And the host received 3 reversals
    And the host received 1 sale
    When the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the host received a reversal of the 100.00 yuan sale with reason "98"
    And the terminal shows "approved"
    And the host received 4 reversals
    And the host received 2 sales

  Scenario: The terminal does not settle with a reversal pending
    Given the host does not answer the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "timed_out"
    Given the host drops the connection after the next 3 reversal requests
    When the cashier settles the batch
    Then the terminal shows "settlement_failed"
    And the host received 3 reversals
    And the host received 0 settlements

  Scenario: A kept reversal is sent at once when the cashier asks for it
    Given the host does not answer the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "timed_out"
    When the cashier has the terminal send its pending reversal
    Then the host received a reversal of the 100.00 yuan sale with reason "98"
    And the host received 1 sale

  Scenario: The cashier signs the terminal on again
    When the cashier signs the terminal on
    Then the host received 2 sign-ons
