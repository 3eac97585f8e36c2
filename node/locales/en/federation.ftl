## Other banks (the federation page)
nav-federation = Other banks
federation-title = Other banks
federation-explained = The banks this bank has admitted, how much of each one’s trust line is in use, and the transfers with their members.
federation-banks = Admitted banks
federation-no-banks = No other bank has been admitted yet.
federation-presence = Connection
federation-online = Online now
federation-offline-since = Offline; last seen on { $date }
federation-never-seen = Offline; not seen since it was admitted
federation-line = Line
federation-open = Open
federation-frozen = Frozen: no transfers either way
federation-trust = Trust line used
federation-line-used = { $owed } of { $trust } hours used ({ $percent }%)
federation-position = Clearing position
federation-position-even = Even: neither bank’s members owe the other’s
federation-position-they-owe = Their members owe ours { $hours } hours
federation-position-we-owe = Our members owe theirs { $hours } hours
federation-waiting = Waiting for an answer
federation-pending = { $count ->
    [zero] No transfers
    [one] One transfer
   *[other] { $count } transfers
}
federation-bank-id = Bank id
federation-freeze-link = Freeze the line with { $bank }
federation-unfreeze-link = Unfreeze the line with { $bank }
federation-transfers = Transfers with other banks
federation-transfers-caption = Transfers with other banks, newest first
federation-no-transfers = No transfers yet.
federation-other-bank = Other bank
federation-our-member = Our member
federation-direction = What happened
federation-direction-received = Received help
federation-direction-gave = Gave help
federation-their-member = Their member
federation-state = State
federation-newest = Newest transfers
federation-older = Older transfers
transfer-state-pending = Waiting for the other bank
transfer-state-accepted = Accepted
transfer-state-refused = Refused
transfer-refused-unknown-payee = The other bank has no member with that code.
transfer-refused-payee-not-active = That member of the other bank is not active.
transfer-refused-trust-full = The trust line was full: our members already owed { $owed } of the { $trust } hours it allows.
transfer-refused-over-maximum = More than the { $limit } hours one transfer with that bank may carry.
transfer-refused-payee-ceiling = That member of the other bank would go over their upper limit.
transfer-refused-frozen = The line between the two banks was frozen.
transfer-refused-malformed = The other bank could not take it (for example, its category is not one the federation shares).
transfer-refused-clearing-too-large = A bank on the ring owes, or is owed, less than this clearing would cancel.
transfer-refused-clearing-declined = A bank on the ring does not take part in clearing.

## Freezing and unfreezing a line
federation-unknown-bank = There is no admitted bank with that id.
federation-freeze-question = Freeze the line with { $bank }?
federation-freeze-explained = While it is frozen, no transfers go either way between this bank and { $bank }: exchanges with its members are refused. Transfers already accepted stay as they are. You can unfreeze it at any time.
federation-freeze-button = Yes, freeze the line
federation-unfreeze-question = Unfreeze the line with { $bank }?
federation-unfreeze-explained = Transfers with the members of { $bank } can be made again, within its trust line.
federation-unfreeze-button = Yes, unfreeze the line
federation-cancel = No, go back
federation-frozen-notice = The line with { $bank } is frozen: no transfers go either way until you unfreeze it.
federation-unfrozen-notice = The line with { $bank } is open again.
