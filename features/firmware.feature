Feature: Flashing firmware and catching a regression
  The virtual bench flashes vterm images like a probe flashes a real
  terminal: the image is checked, written, the terminal power-cycled, and the
  boot banner must show the new version.

  Scenario: The regression image prints the wrong amount on the receipt
    Given the terminal is flashed with the regression release
    And the terminal is powered on and signed on
    Then the terminal runs the regression release
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "approved"
    And the receipt differs from the snapshot "swipe-sale-approved-receipt"

  Scenario: Flashing the current image over the regression makes the receipt right again
    Given the terminal is flashed with the regression release
    And the terminal is flashed with the current release
    And the terminal is powered on and signed on
    Then the terminal runs the current release
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "approved"
    And the receipt matches the snapshot "swipe-sale-approved-receipt"

  Scenario: Flashing a running terminal power-cycles it into the new version
    Given the terminal is powered on and signed on
    When the terminal is flashed with the regression release
    Then the terminal runs the regression release
    When the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "approved"
