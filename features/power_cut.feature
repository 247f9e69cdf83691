Feature: Power cut in the middle of a sale
  The reversal record is written to flash before the request leaves, so a
  terminal that loses power while waiting for the host still reverses the
  sale once it is back (冲正 survives a power cycle).

  Scenario: The reversal reaches the host after the reboot
    Given the terminal is powered on and signed on
    And the host does not answer the next sale
    When the cashier starts a sale of 100.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    And the power fails once the host has received the sale
    And the power comes back
    Then the host received a reversal of the 100.00 yuan sale with reason "98"
    And no receipt is printed
