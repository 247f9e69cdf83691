Feature: Application selection, as the kernel decides it
  The kernel builds its candidate list from the card's directory and
  orders it by the application priority indicator (87); the cardholder
  chooses among several, and confirms one whose indicator asks for it
  (EMV Book 3, 12.4).

  Background:
    Given the terminal is powered on and signed on

  Scenario: The highest priority application is offered first
    When the cashier starts a sale of 51.00 yuan
    And the cardholder inserts the card "emv/two-apps-priority"
    Then the terminal shows "choose_application"
    When the cardholder chooses application 1
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the terminal selected the application "A000000333010102"

  Scenario: The cardholder's choice is the application selected
    When the cashier starts a sale of 52.00 yuan
    And the cardholder inserts the card "emv/two-apps-priority"
    And the cardholder chooses application 2
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the terminal selected the application "A000000333010101"

  Scenario: An application that wants confirming is not selected without the cardholder
    When the cashier starts a sale of 53.00 yuan
    And the cardholder inserts the card "emv/app-needs-confirmation"
    Then the terminal shows "choose_application"
    When the cardholder chooses application 1
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the terminal selected the application "A000000333010101"
