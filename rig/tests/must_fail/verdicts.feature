Feature: Verdicts that never lie (the must-fail corpus)
  Each scenario is played by rig/tests/must_fail.rs, which reads the
  comment above it: "# must pass", or "# must fail (CLASS): TEXT", where
  CLASS is the failure class (terminal failure, feature mistake, ...) and TEXT a part of the failing step's message.
  A must-fail scenario must fail at the step it names, for that reason, and
  by a judge (the outcome was certain), never by a deadline that ran out.

  Background:
    Given the terminal is powered on and signed on

  # A. Steps that drive a flow fail when the flow stopped before their goal.

  # must fail (terminal failure): stopped the sale before its pin prompt, so the pin was never keyed: the terminal showed "use_chip"
  Scenario: A whole sale with a chip card swiped stops at "use chip"
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit-chip" and its PIN

  # must pass
  Scenario: A whole sale with a stripe card goes online
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "approved"

  # must fail (terminal failure): stopped the balance before its pin prompt, so the pin was never keyed: the terminal showed "use_chip"
  Scenario: A balance inquiry with a chip card swiped stops at "use chip"
    When the cashier asks for the balance of the card "unionpay-credit"

  # must fail (terminal failure): stopped the sale before its pin prompt, so the pin was never keyed
  Scenario: No PIN is asked after the chip refused a blocked card
    When the cashier starts a sale of 20.00 yuan
    And the cardholder inserts the card "unionpay-blocked"
    And the cardholder enters the card's PIN

  # must fail (terminal failure): stopped the sale before its pin prompt, so the pin was never keyed
  Scenario: A small QuickPass tap asks for no PIN (免密), so none can be entered
    When the cashier starts a sale of 50.00 yuan
    And the cardholder taps the card "unionpay-credit"
    And the cardholder enters the card's PIN

  # must pass
  Scenario: A QuickPass tap over the no-PIN limit takes the PIN
    When the cashier starts a sale of 1200.00 yuan
    And the cardholder taps the card "unionpay-credit"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"

  # must fail (terminal failure): is at idle
  Scenario: A PIN entered at the idle screen goes nowhere
    When the cardholder enters the PIN "123456"

  # must fail (terminal failure): is at idle
  Scenario: A payment code shown at the idle screen is read by no one
    When the customer presents the payment code of "wechat-code"

  # must fail (feature mistake): has 2 application(s): there is no application 3 to choose
  Scenario: Application 3 of a card with two
    When the cashier starts a sale of 20.00 yuan
    And the cardholder inserts the card "unionpay-two-apps"
    And the cardholder chooses application 3

  # must pass
  Scenario: Application 2 of a card with two
    When the cashier starts a sale of 20.00 yuan
    And the cardholder inserts the card "unionpay-two-apps"
    And the cardholder chooses application 2
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"

  # must fail (feature mistake): no card is in the reader or the field to remove
  Scenario: Removing a card that was never inserted
    When the cashier starts a sale of 20.00 yuan
    And the cardholder removes the card

  # B. A card is presented only on an interface its file names.

  # must fail (feature mistake): cannot be inserted: its file names no contact interface
  Scenario: A stripe-only card cannot be inserted
    When the cashier starts a sale of 20.00 yuan
    And the cardholder inserts the card "unionpay-debit"

  # must fail (feature mistake): cannot be tapped: its file names no contactless interface
  Scenario: A contact-only card cannot be tapped
    When the cashier starts a sale of 20.00 yuan
    And the cardholder taps the card "unionpay-two-apps"

  # must fail (feature mistake): cannot be swiped: its file names no magstripe interface
  Scenario: A phone cannot be swiped
    When the cashier starts a sale of 20.00 yuan
    And the cardholder swipes the card "yunshanfu-phone"

  # must fail (feature mistake): cannot be inserted: its file names no contact interface
  Scenario: A payment code cannot be inserted
    When the cashier starts a sale of 20.00 yuan
    And the cardholder inserts the card "alipay-code"

  # C, D. "The host answered" is the answer that crossed the wire, of any class.

  # must fail (terminal failure): answer never reached the terminal (the host dropped the connection halfway through its answer)
  Scenario: An answer cut off halfway is no answer
    Given the host drops the connection halfway through its answer to the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the host answered "00"

  # must fail (terminal failure): answer never reached the terminal (the host dropped the connection after the request)
  Scenario: A connection dropped after the request carries no answer
    Given the host drops the connection after the next sale request
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the host answered "00"

  # must fail (terminal failure): the host answered 0210 with response code 51 (insufficient funds), expected 00
  Scenario: A declined sale was not answered 00
    Given the host answers "51" to the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the host answered "00"

  # must pass
  Scenario: An approved refund is answered 00 (0230)
    When the cashier makes a sale of 7.00 yuan with the card "unionpay-debit" and its PIN
    And the cashier refunds 5.00 yuan of the last sale with the card "unionpay-debit" and its PIN
    Then the terminal shows "approved"
    And the host answered "00"

  # must pass
  Scenario: An approved pre-authorisation is answered 00 (0110)
    When the cashier makes a pre-authorisation of 8.00 yuan with the card "unionpay-debit" and its PIN
    Then the host answered "00"

  # must fail (terminal failure): no transaction was started in this scenario
  Scenario: No transaction, no answer
    Then the host answered "00"

  # must fail (terminal failure): no transaction was started in this scenario
  Scenario: No transaction, no outcome
    Then the terminal shows "approved"

  # must fail (terminal failure): nothing was printed
  Scenario: No transaction, no slip
    Then the last receipt shows "void"

  # E. Waits end as soon as their outcome is certain.

  # must fail (terminal failure): the terminal's power was cut
  Scenario: A terminal whose power was cut shows nothing
    Given the host does not answer the next sale
    When the cashier starts a sale of 100.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    And the power fails once the host has received the sale
    Then the terminal shows "approved"

  # must fail (terminal failure): an approved transaction is not reversed
  Scenario: An approved sale is not reversed
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the host received a reversal of the 100.00 yuan sale with reason "98"

  # must fail (terminal failure): its reversal came with reason 98
  Scenario: A reversal with another reason code
    Given the host does not answer the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    And the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the host received a reversal of the 100.00 yuan sale with reason "06"

  # must fail (terminal failure): the terminal is idle, and it sends a reversal it owes only before its next online transaction
  Scenario: A reversal is owed but not yet sent while the terminal sits at idle
    Given the host does not answer the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "timed_out"
    And the host received a reversal of the 100.00 yuan sale with reason "98"

  # must pass
  Scenario: The owed reversal goes out before the next sale
    Given the host does not answer the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "timed_out"
    When the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the host received a reversal of the 100.00 yuan sale with reason "98"

  # must fail (terminal failure): carried no issuer script
  Scenario: No script was sent, so no script result comes
    When the cashier starts a sale of 30.00 yuan
    And the cardholder inserts the card "unionpay-debit-chip"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the script result says done

  # must fail (terminal failure): the script result says failed (DF31 1
  Scenario: A script with a wrong MAC did not run
    Given the issuer sends the script "8424000000" with a wrong MAC with the next chip approval
    When the cashier starts a sale of 30.00 yuan
    And the cardholder inserts the card "unionpay-debit-chip"
    And the cardholder enters the card's PIN
    Then the script result says done

  # must pass
  Scenario: A script that was sent has its result
    Given the issuer sends the script "8424000000" with the next chip approval
    When the cashier starts a sale of 30.00 yuan
    And the cardholder inserts the card "unionpay-debit-chip"
    And the cardholder enters the card's PIN
    Then the script result says done

  # F. The power cut placed where it cannot be.

  # must fail (feature mistake): the host had already answered the sale
  Scenario: The power cannot fail before an answer that came
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "approved"
    When the power fails once the host has received the sale

  # must fail (feature mistake): no sale is under way for the power to fail in
  Scenario: The power cannot fail in a sale that was not started
    When the power fails once the host has received the sale
    And the cashier asks for the balance of the card "unionpay-debit"

  # G. Feature mistakes are feature mistakes.

  # must fail (feature mistake): the bench names no release "beta"
  Scenario: A release the bench does not have
    Given the terminal is flashed with the beta release

  # must fail (feature mistake): vterm-9.9.9.fw: No such file
  Scenario: A firmware file that is not there
    Given the terminal is flashed with "vterm-9.9.9.fw"

  # H. The host restart keeps its port.

  # must pass
  Scenario: The host comes back on its port
    Given the host is down
    When the host comes back up
    And the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "approved"

  # K. Whole transactions with the card inserted or tapped.

  # must fail (feature mistake): cannot be inserted: its file names no contact interface
  Scenario: A whole sale cannot insert a stripe-only card
    When the cashier makes a sale of 10.00 yuan with the inserted card "unionpay-debit" and its PIN

  # must fail (feature mistake): cannot be tapped: its file names no contactless interface
  Scenario: A whole balance inquiry cannot tap a contact-only card
    When the cashier asks for the balance of the tapped card "unionpay-two-apps"

  # must pass
  Scenario: A whole sale with the card inserted goes online
    When the cashier makes a sale of 10.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the terminal shows "approved"
    And the host answered "00"

  # J. A reversal the host leaves unanswered holds back the next online work.

  # must fail (terminal failure): no prompt "approved"
  Scenario: No sale goes out while a reversal is pending
    Given the host does not answer the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Given the host does not answer the next 3 reversals
    When the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "approved"

  # must fail (terminal failure): no prompt "settled"
  Scenario: No settlement while a reversal is pending
    Given the host does not answer the next sale
    When the cashier makes a sale of 100.00 yuan with the card "unionpay-debit" and its PIN
    Given the host does not answer the next 3 reversals
    When the cashier settles the batch
    Then the terminal shows "settled"

  # K. Negative checks, slip fields by meaning, reversals of any kind.

  # must pass
  Scenario: A small QuickPass tap asks for no PIN and prints two copies with the approval's numbers
    When the cashier starts a sale of 50.00 yuan
    And the cardholder taps the card "unionpay-credit"
    Then the terminal shows "approved"
    And no PIN was asked
    And the terminal did not show "use_chip"
    And the terminal printed 2 copies
    And the last receipt shows the voucher number of the approval
    And the last receipt shows the reference number of the approval
    And the last receipt shows the authorisation code of the approval
    And the last receipt does not show "void"

  # must fail (terminal failure): the terminal showed "pin"
  Scenario: A sale that asked for the PIN
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then no PIN was asked

  # must fail (terminal failure): the terminal showed "approved"
  Scenario: A sale that was approved did show approved
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal did not show "approved"

  # must fail (terminal failure): the terminal printed 2 copies, expected 1
  Scenario: A sale prints two copies, not one
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal printed 1 copy

  # must fail (terminal failure): the last receipt shows mark "void"
  Scenario: A void's slip says void
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    And the cashier voids the last sale with the card "unionpay-debit"
    Then the last receipt does not show "void"

  # must fail (terminal failure): the host approved nothing since the transaction began, so there is no voucher number
  Scenario: A declined sale has no voucher number of an approval
    Given the host answers "51" to the next sale
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then the last receipt shows the voucher number of the approval

  # must fail (feature mistake): a sign-on is not reversed
  Scenario: A sign-on has no reversal
    Then the host received a reversal of the 1.00 yuan sign-on with reason "98"

  # must pass
  Scenario: An unanswered pre-authorisation is reversed
    Given the host does not answer the next pre-auth
    When the cashier makes a pre-authorisation of 8.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "timed_out"
    When the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the host received a reversal of the 8.00 yuan pre-auth with reason "98"

  # The card keeps its ATC across presentations; the host refuses a replayed one.

  # must pass
  Scenario: The same chip card inserted twice is approved twice (ATC n, then n+1)
    When the cashier makes a sale of 10.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the host answered "00"
    When the cashier makes a sale of 11.00 yuan with the inserted card "unionpay-debit-chip" and its PIN
    Then the host answered "00"

  # E. An outcome check while the terminal waits at a prompt only the feature can answer.

  # must fail (terminal failure): the terminal asks for "pin"
  Scenario: After a wrong PIN (55) the terminal asks again, so no approval comes by itself
    Given the host answers "55" to the next sale
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "approved"

  # must pass
  Scenario: After a wrong PIN the right one is approved
    Given the host answers "55" to the next sale
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows "pin_retry"
    When the cardholder enters the card's PIN
    Then the terminal shows "approved"

  # Every other verdict step, failing where it must and passing where it must.

  # must pass
  Scenario: An approved sale matches its snapshots and reads as it should
    When the cashier starts a sale of 100.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    Then the terminal shows "approved"
    And the terminal shows the amount 100.00 yuan
    And the display reads "RMB 100.00"
    And the receipt matches the snapshot "swipe-sale-approved-receipt"
    And the host messages match the snapshot "swipe-sale-approved-host"
    And the last receipt shows the amount 100.00 yuan
    And the last receipt reads "100.00"
    And the host received 1 sale
    And the host received no reversal

  # must fail (terminal failure): receipt snapshot "swipe-sale-approved-receipt" differs
  Scenario: Another amount does not match the stored slip
    When the cashier starts a sale of 99.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    Then the receipt matches the snapshot "swipe-sale-approved-receipt"

  # must fail (terminal failure): host messages
  Scenario: Another amount does not match the stored host messages
    When the cashier starts a sale of 99.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    Then the host messages match the snapshot "swipe-sale-approved-host"

  # must fail (terminal failure): the receipt still matches the snapshot
  Scenario: The same slip does not differ from its snapshot
    When the cashier starts a sale of 100.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    Then the receipt differs from the snapshot "swipe-sale-approved-receipt"

  # must fail (terminal failure): prompt "balance"
  Scenario: Another balance than the card's
    When the cashier asks for the balance of the card "unionpay-debit-low-balance"
    Then the terminal shows the balance 11.00 yuan

  # must fail (terminal failure): display containing "RMB 12.00"
  Scenario: A display text that never shows
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then the display reads "RMB 12.00"

  # must fail (terminal failure): RMB 12.00
  Scenario: An amount that never shows
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows the amount 12.00 yuan

  # must fail (terminal failure): reason for 51
  Scenario: The reason of another code
    Given the host answers "05" to the next sale
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then the terminal shows the reason for "51"

  # must fail (terminal failure): the last receipt does not show "RMB 12.00"
  Scenario: A slip amount that is not on it
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then the last receipt shows the amount 12.00 yuan

  # must fail (terminal failure): the last receipt does not show "unionpay"
  Scenario: A slip text that is not on it
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then the last receipt reads "unionpay"

  # must fail (terminal failure): the terminal printed 2 receipt(s)
  Scenario: An approved sale prints
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then no receipt is printed

  # must fail (terminal failure): the host received 1 sale, expected 2
  Scenario: One sale is not two
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    Then the host received 2 sales

  # must fail (terminal failure): the host received 1 reversal(s)
  Scenario: A timed-out sale is reversed
    Given the host does not answer the next sale
    When the cashier makes a sale of 10.00 yuan with the card "unionpay-debit" and its PIN
    And the cashier makes a sale of 1.00 yuan with the card "unionpay-debit" and its PIN
    Then the host received no reversal

  # must fail (terminal failure): the cash register received result 00, expected 51
  Scenario: The cash register gets the approval, not a decline
    When the cash register requests a sale of 6.00 yuan
    And the cardholder swipes the card "unionpay-debit"
    And the cardholder enters the card's PIN
    Then the cash register receives the result "51"

  # must fail (terminal failure): the boot banner shows firmware 1.0.0, expected 9.9.9
  Scenario: The firmware that runs is not another
    Then the terminal runs firmware "9.9.9"

  # must fail (terminal failure): expected 1.0.1
  Scenario: The current release is not the regression one
    Then the terminal runs the regression release

  # must fail (terminal failure): the last receipt does not show 2 debit(s)
  Scenario: A settlement slip counts what was sold
    When the cashier makes a sale of 2.00 yuan with the card "unionpay-debit" and its PIN
    And the cashier settles the batch
    Then the last receipt counts 2 debits
