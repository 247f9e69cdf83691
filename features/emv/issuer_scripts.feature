Feature: Issuer scripts as the kernel processes them
  The issuer's answer may carry scripts: template 71 runs before the final
  GENERATE AC, template 72 after it. A command the card refuses ends its
  script as failed; the kernel sets the TVR bit "script processing failed
  before (or after) final GENERATE AC" and reports each script in the
  script result notice (DF31 in the 0620's field 55, with the TVR) (EMV
  Book 3, 10.10 and Annex C5).

  Background:
    Given the terminal is powered on and signed on

  Scenario: A script the card takes after the final GENERATE AC is reported done
    Given the issuer sends the script "8424000000" with the next chip approval
    When the cashier makes a sale of 36.00 yuan with the inserted card "emv/dda-good" and its PIN
    Then the terminal shows "approved"
    And the script result says done
    And the TVR does not have "script processing failed after final GENERATE AC"

  Scenario: A script the card refuses after the final GENERATE AC fails, and the TVR says so
    Given the issuer sends the script "841E000000" with a wrong MAC with the next chip approval
    When the cashier makes a sale of 37.00 yuan with the inserted card "emv/dda-good" and its PIN
    Then the terminal shows "approved"
    And the script result says failed
    And the TVR has "script processing failed after final GENERATE AC"
    And the TVR does not have "script processing failed before final GENERATE AC"

  Scenario: A script the card refuses before the final GENERATE AC fails, and the TVR says so
    Given the issuer sends the script "841E000000" with a wrong MAC to run before the second GENERATE AC with the next chip approval
    When the cashier makes a sale of 38.00 yuan with the inserted card "emv/dda-good" and its PIN
    Then the terminal shows "approved"
    And the script result says failed
    And the TVR has "script processing failed before final GENERATE AC"
