Feature: The kernel's decisions, named as the specifications name them
  What the terminal's EMV kernel decided, read from the APDUs it exchanged
  with the card and from field 55 of its host requests: the cryptograms
  asked for and answered, the TVR. The full kernel test set (issue 25)
  builds on these steps.

  Background:
    Given the terminal is powered on and signed on

  Scenario: An online chip sale: an ARQC first, a TC after the issuer approved
    When the cashier starts a sale of 12.00 yuan
    And the cardholder inserts the card "unionpay-debit-chip"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the terminal asked for an ARQC at the first GENERATE AC
    And the card answered an ARQC at the first GENERATE AC
    And the terminal asked for a TC at the second GENERATE AC
    And the card answered a TC at the second GENERATE AC
    And the TVR has "online PIN entered"
    And the TVR does not have "expired application"

  Scenario: An expired application is in the TVR, and the issuer's decline gives an AAC
    When the cashier starts a sale of 20.00 yuan
    And the cardholder inserts the card "unionpay-expired"
    And the cardholder enters the card's PIN
    Then the terminal shows "declined"
    And the TVR has "expired application"
    And the TVR has "应用已过期"
    And the terminal asked for an AAC at the second GENERATE AC
    And the card answered an AAC at the second GENERATE AC

  Scenario: A tap's cryptogram comes in the GPO: the card goes online
    When the cashier starts a sale of 50.00 yuan
    And the cardholder taps the card "unionpay-credit"
    Then the terminal shows "approved"
    And the card answered an ARQC at the first GENERATE AC
