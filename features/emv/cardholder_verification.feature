Feature: Cardholder verification, as the kernel decides it from the card's CVM list
  The kernel walks the card's CVM list (8E) rule by rule against the
  purchase and its own CVM capabilities (9F33 byte 2; EMV Book 3, 10.5 and
  Annex C3): offline PIN keyed on its keypad and verified by the card
  (VERIFY in plaintext or enciphered with the ICC key), online PIN, a
  signature, no CVM. VT-1 takes signatures, VT-2 does not (their
  profiles' capabilities.cvm).

  Background:
    Given the terminal is powered on and signed on

  Scenario: Offline plaintext PIN, verified by the card
    Given the terminal performs the CVM "offline plaintext PIN"
    When the cashier starts a sale of 35.00 yuan
    And the cardholder inserts the card "emv/cvm-offline-plaintext-pin"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the terminal verified the PIN offline in plaintext
    And the CVM results say "offline plaintext PIN, successful"
    And the TSI has "cardholder verification was performed"
    And the TVR does not have "cardholder verification was not successful"

  Scenario: A wrong offline PIN is asked again, and the right one is taken
    Given the terminal performs the CVM "offline plaintext PIN"
    When the cashier starts a sale of 35.00 yuan
    And the cardholder inserts the card "emv/cvm-offline-plaintext-pin"
    And the cardholder enters the PIN "000000"
    Then the terminal shows "pin_retry"
    When the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the CVM results say "offline plaintext PIN, successful"
    And the TVR does not have "PIN try limit exceeded"

  Scenario: Offline enciphered PIN, enciphered with the ICC public key
    Given the terminal performs the CVM "offline enciphered PIN"
    When the cashier starts a sale of 35.00 yuan
    And the cardholder inserts the card "emv/cvm-offline-enciphered-pin"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the terminal verified the PIN offline enciphered
    And the CVM results say "offline enciphered PIN, successful"

  Scenario: Online PIN goes to the host
    When the cashier makes a sale of 35.00 yuan with the inserted card "emv/cvm-online-pin" and its PIN
    Then the terminal shows "approved"
    And the CVM results say "online PIN, unknown"
    And the TVR has "online PIN entered"

  Scenario: A signature where the kernel takes one
    Given the terminal performs the CVM "signature"
    When the cashier starts a sale of 35.00 yuan
    And the cardholder inserts the card "emv/cvm-signature"
    Then the terminal shows "approved"
    And no PIN was asked
    And the CVM results say "signature, unknown"

  Scenario: A signature rule on a kernel that takes none fails cardholder verification
    Given the terminal does not perform the CVM "signature"
    When the cashier starts a sale of 35.00 yuan
    And the cardholder inserts the card "emv/cvm-signature"
    Then the terminal shows "approved"
    And the CVM results say "signature, failed"
    And the TVR has "cardholder verification was not successful"

  Scenario: No CVM required
    When the cashier starts a sale of 35.00 yuan
    And the cardholder inserts the card "emv/cvm-no-cvm"
    Then the terminal shows "approved"
    And no PIN was asked
    And the CVM results say "no CVM required, successful"

  Scenario: Under the CVM list's amount X, no CVM
    When the cashier starts a sale of 50.00 yuan
    And the cardholder inserts the card "emv/cvm-amount-condition"
    Then the terminal shows "approved"
    And the CVM results say "no CVM required, successful"

  Scenario: Over the CVM list's amount X, online PIN
    When the cashier makes a sale of 200.00 yuan with the inserted card "emv/cvm-amount-condition" and its PIN
    Then the terminal shows "approved"
    And the CVM results say "online PIN, unknown"

  Scenario: An unrecognised CVM that may not fail over ends cardholder verification
    When the cashier starts a sale of 35.00 yuan
    And the cardholder inserts the card "emv/cvm-unrecognised-fail"
    Then the terminal shows "approved"
    And no PIN was asked
    And the TVR has "unrecognised CVM"
    And the TVR has "cardholder verification was not successful"

  Scenario: A card whose PIN tries are used up is not asked for a PIN
    When the cashier starts a sale of 35.00 yuan
    And the cardholder inserts the card "emv/cvm-pin-try-limit-exceeded"
    Then the terminal shows "approved"
    And no PIN was asked
    And the TVR has "PIN try limit exceeded"
    And the CVM results say "offline plaintext PIN, failed"

  Scenario: Three wrong offline PINs block the PIN, and the card's IAC-denial declines offline
    When the cashier starts a sale of 35.00 yuan
    And the cardholder inserts the card "emv/cvm-pin-blocked-declines"
    And the cardholder enters the PIN "000000"
    Then the terminal shows "pin_retry"
    When the cardholder enters the PIN "000000"
    Then the terminal shows "pin_retry"
    When the cardholder enters the PIN "000000"
    Then the terminal shows "card_declined"
    And the TVR has "PIN try limit exceeded"
    And the terminal asked for an AAC at the first GENERATE AC
    And the host received 0 sales
