Feature: Sale by payment code (扫码, B scans C)
  The customer shows the wallet's payment code; the terminal's scanner reads
  it and the acquirer takes the payment. While the customer is still entering
  a password on the phone, the terminal asks again.

  Background:
    Given the terminal is powered on and signed on

  Scenario Outline: A <wallet> payment code pays at once
    When the cashier starts a payment-code sale of 35.00 yuan
    And the customer presents the payment code of "<wallet>"
    Then the terminal shows "approved"
    And the host answered "00"
    And the terminal shows the amount 35.00 yuan

    Examples:
      | wallet          |
      | wechat-code     |
      | alipay-code     |
      | unionpay-qr-code |

  @smoke
  Scenario: The customer is still paying: the terminal queries until paid
    Given the customer is still paying for the first 2 queries
    When the cashier starts a payment-code sale of 12.50 yuan
    And the customer presents the payment code of "wechat-code"
    Then the terminal shows "customer_paying"
    And the terminal shows "approved"
    And the host received 3 payment code queries
    And the receipt matches the snapshot "payment-code-sale-receipt"

  Scenario: The customer never finishes paying: the terminal cancels
    Given the customer is still paying for the first 9 queries
    When the cashier starts a payment-code sale of 12.50 yuan
    And the customer presents the payment code of "alipay-code"
    Then the terminal shows "failed"
    And the host received 1 payment code cancel
    And no receipt is printed

  Scenario: The terminal shows its code (C scans B) and the customer pays it
    When the cashier shows a payment QR code for 20.00 yuan
    And the customer scans it and pays in the wallet
    Then the terminal shows "approved"
    And the host received 1 dynamic code order
    And the last receipt shows the amount 20.00 yuan

  Scenario: A payment-code sale is voided by its voucher number, without a card
    When the cashier starts a payment-code sale of 30.00 yuan
    And the customer presents the payment code of "wechat-code"
    Then the terminal shows "approved"
    When the cashier voids the last payment-code sale
    Then the terminal shows "approved"
    And the host answered "00"
    And the host received 1 void
    And the last receipt shows "void"
    And the last receipt shows the amount 30.00 yuan

  Scenario: Part of a payment-code sale is refunded by its reference number
    When the cashier starts a payment-code sale of 30.00 yuan
    And the customer presents the payment code of "alipay-code"
    Then the terminal shows "approved"
    When the cashier refunds 12.00 yuan of the last payment-code sale
    Then the terminal shows "approved"
    And the host answered "00"
    And the host received 1 refund
    And the last receipt shows "refund"
    And the last receipt shows the amount 12.00 yuan
