Feature: Chip and contactless sales
  PBOC contact (插卡), qPBOC QuickPass (闪付) and 云闪付 on a phone. The card
  model computes real cryptograms; the mock host checks the ARQC and answers
  with an ARPC that the card checks in turn.

  Background:
    Given the terminal is powered on and signed on

  @smoke
  Scenario: An inserted chip card is approved online and gives a TC
    When the cashier starts a sale of 88.00 yuan
    And the cardholder inserts the card "unionpay-debit-chip"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the host answered "00"
    And the receipt matches the snapshot "chip-sale-approved-receipt"
    And the host messages match the snapshot "chip-sale-approved-host"

  Scenario: A chip card that is swiped is told to use the chip
    When the cashier starts a sale of 10.00 yuan
    And the cardholder swipes the card "unionpay-debit-chip"
    Then the terminal shows "use_chip"
    When the cardholder inserts the card "unionpay-debit-chip"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"

  Scenario: A small QuickPass tap needs no PIN (免密)
    When the cashier starts a sale of 50.00 yuan
    And the cardholder taps the card "unionpay-credit"
    Then the terminal shows "approved"
    And the host answered "00"

  Scenario: A QuickPass tap over the no-PIN limit asks for the PIN
    When the cashier starts a sale of 1200.00 yuan
    And the cardholder taps the card "unionpay-credit"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"

  Scenario: A 云闪付 phone verifies its owner itself, even for a large amount
    When the cashier starts a sale of 1500.00 yuan
    And the cardholder taps the phone "yunshanfu-phone"
    Then the terminal shows "approved"
    And the host answered "00"

  Scenario: With two applications the cardholder chooses
    When the cashier starts a sale of 20.00 yuan
    And the cardholder inserts the card "unionpay-two-apps"
    And the cardholder chooses application 2
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"

  Scenario: An expired chip card is declined by the issuer (54)
    When the cashier starts a sale of 20.00 yuan
    And the cardholder inserts the card "unionpay-expired"
    And the cardholder enters the card's PIN
    Then the terminal shows "declined"
    And the host answered "54"
    And no receipt is printed

  Scenario: A blocked card is refused by the chip, nothing goes online
    When the cashier starts a sale of 20.00 yuan
    And the cardholder inserts the card "unionpay-blocked"
    Then the terminal shows "card_blocked"
    And the host received 0 sales

  Scenario: A card pulled out before the cryptogram ends the sale with nothing sent
    When the cashier starts a sale of 20.00 yuan
    And the cardholder inserts the card "unionpay-debit-chip"
    Then the terminal shows "pin"
    When the cardholder removes the card
    And the cardholder enters the card's PIN
    Then the terminal shows "card_removed"
    And the host received 0 sales
    And no receipt is printed

  Scenario: A blocked application is refused by the chip
    When the cashier starts a sale of 20.00 yuan
    And the cardholder inserts the card "unionpay-app-blocked"
    Then the terminal shows "card_blocked"
    And the host received 0 sales

  Scenario: A foreign card is not supported by a UnionPay-only terminal
    When the cashier starts a sale of 20.00 yuan
    And the cardholder inserts the card "visa-foreign"
    Then the terminal shows "not_supported"
    And the host received 0 sales

  Scenario: An issuer script runs on the card and its result goes back in a 0620
    Given the issuer sends the script "8424000000" with the next chip approval
    When the cashier starts a sale of 30.00 yuan
    And the cardholder inserts the card "unionpay-debit-chip"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the host received 1 script result
    And the script result says done

  Scenario: A script's MAC is checked by the card: a wrong one changes nothing, a right one blocks the application
    Given the issuer sends the script "841E000000" with a wrong MAC with the next chip approval
    When the cashier starts a sale of 32.00 yuan
    And the cardholder inserts the card "unionpay-debit-chip"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the script result says failed
    Given the issuer sends the script "841E000000" with the next chip approval
    When the cashier makes a sale of 33.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the terminal shows "approved"
    And the script result says done
    When the cashier starts a sale of 34.00 yuan
    And the cardholder inserts the card "unionpay-debit-chip"
    Then the terminal shows "card_blocked"

  Scenario: A PIN change script: the issuer enciphers the new PIN, the card takes it
    Given the issuer sends the script "842400020826654321FFFFFFFF" with the next chip approval
    When the cashier makes a sale of 35.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the terminal shows "approved"
    And the script result says done

  Scenario: A whole balance inquiry, sale and void with the card inserted
    When the cashier asks for the balance of the inserted card "unionpay-debit-chip"
    Then the host answered "00"
    When the cashier makes a sale of 40.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the terminal shows "approved"
    When the cashier voids the last sale with the inserted card "unionpay-debit-chip"
    Then the terminal shows "approved"
    And the host received 1 void
    And the last receipt shows "void"

  Scenario: A tapped sale refunded with the card inserted
    When the cashier makes a sale of 30.00 yuan with the tapped card "unionpay-credit" and its PIN
    Then the terminal shows "approved"
    When the cashier refunds 10.00 yuan of the last sale with the inserted card "unionpay-credit" and its PIN
    Then the terminal shows "approved"
    And the host answered "00"

  Scenario: A tapped pre-authorisation completed with the card inserted
    When the cashier makes a pre-authorisation of 20.00 yuan with the tapped card "unionpay-credit" and its PIN
    Then the host answered "00"
    When the cashier completes the last pre-authorisation with 15.00 yuan with the inserted card "unionpay-credit" and its PIN
    Then the terminal shows "approved"
    And the host answered "00"

  Scenario: Issuer scripts: template 71 runs before the second GENERATE AC, template 72 after
    Given the issuer sends the script "84DA9F580400000005" to run before the second GENERATE AC with the next chip approval
    And the issuer sends the script "8424000000" with the next chip approval
    When the cashier starts a sale of 31.00 yuan
    And the cardholder inserts the card "unionpay-debit-chip"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the host received 1 script result
    And the script result says done
