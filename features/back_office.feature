Feature: Balance, void, reprint and settlement
  What the cashier does besides sales: the balance inquiry (余额查询), voiding a
  sale of the batch (撤销), reprinting (重打印) and settling the day (结算),
  with batch upload when the host's totals differ.

  Background:
    Given the terminal is powered on and signed on

  Scenario: A balance inquiry shows the balance and prints nothing
    When the cashier asks for the balance of the card "unionpay-debit-low-balance"
    Then the terminal shows the balance 10.00 yuan
    And the host answered "00"
    And no receipt is printed

  Scenario: A sale is voided with its voucher number and the money comes back
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit-low-balance" and its PIN
    Then the terminal shows "approved"
    When the cashier voids the last sale with the card "unionpay-debit-low-balance"
    Then the terminal shows "approved"
    And the host received 1 void
    And the last receipt shows "void"
    When the cashier asks for the balance of the card "unionpay-debit-low-balance"
    Then the terminal shows the balance 10.00 yuan

  Scenario: The last receipt is reprinted with the reprint marker
    When the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "approved"
    When the cashier reprints the last receipt
    Then the last receipt shows "reprint"
    And the last receipt shows the amount 1.00 yuan

  Scenario: Settlement in balance prints the report and needs no upload
    When the cashier makes a sale of 2.00 yuan with the card "unionpay-debit" and its PIN
    And the cashier makes a sale of 3.00 yuan with the card "unionpay-debit" and its PIN
    And the cashier settles the batch
    Then the host received 1 settlement
    And the host received 0 batch uploads
    And the last receipt shows "balanced"
    And the last receipt shows the amount 5.00 yuan

  Scenario: Settlement out of balance uploads the batch, then ends it
    Given the host answers "00" to the next sale
    When the cashier makes a sale of 2.00 yuan with the card "unionpay-debit" and its PIN
    And the cashier settles the batch
    Then the host received 1 batch upload
    And the host received 1 batch end
    And the last receipt shows "out_of_balance"

  Scenario: The host's totals differ (对账不平): the terminal uploads every transaction of the batch
    When the cashier makes a sale of 2.00 yuan with the card "unionpay-debit" and its PIN
    And the cashier makes a sale of 3.00 yuan with the card "unionpay-debit" and its PIN
    Given the host's totals differ from the terminal's at the next settlement
    When the cashier settles the batch
    Then the host received 1 settlement
    And the host received 2 batch uploads
    And the host received 1 batch end
    And the last receipt shows "out_of_balance"

  Scenario: Any receipt of the batch is reprinted by its voucher number
    When the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    And the cashier makes a sale of 2.00 yuan with the card "unionpay-debit" and its PIN
    And the cashier reprints the receipt of the first sale
    Then the last receipt shows "reprint"
    And the last receipt shows the amount 1.00 yuan

  Scenario: Echo test and downloads
    When the cashier runs the echo test
    Then the terminal shows "echo_ok"
    And the host received 1 echo test
    When the cashier runs the parameter download
    Then the terminal shows "downloaded"
    When the cashier runs the CAPK download
    Then the terminal shows "downloaded"
    When the cashier runs the IC parameter download
    Then the terminal shows "downloaded"
    And the host received 3 downloads

  Scenario: Out of paper, the receipt waits for paper and is then printed
    Given the printer is out of paper
    When the cashier makes a sale of 3.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "approved"
    And the terminal shows "paper_out"
    When paper is loaded
    Then the terminal shows "idle"
    And the last receipt shows the amount 3.00 yuan
