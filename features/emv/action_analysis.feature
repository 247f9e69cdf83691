Feature: Terminal action analysis: the action codes decide online, offline or decline
  After risk management the kernel compares the TVR with the terminal's
  action codes (TAC, from its parameters) ORed with the card's (IAC): a bit
  in the denial codes declines offline, a bit in the online codes goes
  online, none approves offline; a terminal that could not reach the host
  uses the default codes (EMV Book 3, 10.7). An online-only terminal sends
  every sale online and declines when the host cannot be reached. The
  terminal type comes from the profile (capabilities.terminal_type):
  scenarios for the other type are skipped.

  Background:
    Given the terminal is powered on and signed on

  Scenario: Nothing for the online codes: a terminal that can approve offline asks for a TC
    Given the terminal can approve offline
    When the cashier starts a sale of 100.00 yuan
    And the cardholder inserts the card "emv/tac-online-offline-approval"
    Then the terminal shows "approved"
    And the terminal asked for a TC at the first GENERATE AC
    And the card answered a TC at the first GENERATE AC
    And the TVR does not have "transaction exceeds floor limit"
    And the host received 0 sales

  Scenario: An online-only terminal asks for an ARQC whatever the codes say
    Given the terminal is online only
    When the cashier starts a sale of 100.00 yuan
    And the cardholder inserts the card "emv/tac-online-offline-approval"
    Then the terminal shows "approved"
    And the terminal asked for an ARQC at the first GENERATE AC
    And the host received 1 sale

  Scenario: The card's IAC-online sends a new card online
    Given the terminal can approve offline
    When the cashier starts a sale of 100.00 yuan
    And the cardholder inserts the card "emv/iac-online-new-card"
    Then the terminal shows "approved"
    And the TVR has "new card"
    And the terminal asked for an ARQC at the first GENERATE AC
    And the host received 1 sale

  Scenario: The terminal's TAC-online sends online what the card's IAC-online would not
    Given the terminal can approve offline
    When the cashier makes a sale of 100.00 yuan with the inserted card "emv/tac-online-against-iac" and its PIN
    Then the terminal shows "approved"
    And the TVR has "online PIN entered"
    And the terminal asked for an ARQC at the first GENERATE AC
    And the host received 1 sale

  Scenario: Unable to go online, the default codes approve offline
    Given the terminal can approve offline
    And the host is down
    When the cashier starts a sale of 100.00 yuan
    And the cardholder inserts the card "emv/unable-online-default-approves"
    Then the terminal shows "approved"
    And the TVR has "lower consecutive offline limit exceeded"
    And the terminal asked for an ARQC at the first GENERATE AC
    And the terminal asked for a TC at the second GENERATE AC
    And the card answered a TC at the second GENERATE AC

  Scenario: Unable to go online, the card's IAC-default declines
    Given the terminal can approve offline
    And the host is down
    When the cashier starts a sale of 100.00 yuan
    And the cardholder inserts the card "emv/unable-online-iac-default-declines"
    Then the terminal shows "unreachable"
    And the terminal asked for an AAC at the second GENERATE AC
    And the card answered an AAC at the second GENERATE AC

  Scenario: An online-only terminal that cannot reach the host declines
    Given the terminal is online only
    And the host is down
    When the cashier starts a sale of 100.00 yuan
    And the cardholder inserts the card "emv/unable-online-default-approves"
    Then the terminal shows "unreachable"
    And the terminal asked for an AAC at the second GENERATE AC
