## Group events: several who gave, several who received
group-how-hours-are-shared = Each person who gave is credited with the hours written below. Those who received share that time equally between them: when 4 players give 2 hours each to 30 listeners, each player gets 2 hours, and the 8 hours are shared by the listeners, 16 minutes each.
group-find = Find members by name
group-find-button = Show matching members
group-find-hint = Members already ticked stay ticked, and nothing else you have filled in is lost.
group-filtered = { $count ->
    [one] One more member is not shown.
   *[other] { $count } more members are not shown.
} Clear the search box to see everyone.
group-givers-hint = Tick everyone who gave time.
group-receivers-hint = Tick everyone who received it.
group-ticked = { $count ->
    [zero] None ticked yet.
    [one] One ticked.
   *[other] { $count } ticked.
}
group-hours-each = Hours given by each
group-recorded-notice = Recorded: { $summary } ({ $givers } gave, { $receivers } received).
group-elsewhere-alone = A member of another bank can only give time on their own: untick this bank's members, or record a group event with another bank as separate exchanges.
refused-cross-bank-group = Not recorded: an exchange with another bank's member has one who gave and one who received. Record a group event with another bank as separate exchanges.
refused-too-many-people = Not recorded: { $count } people in one exchange, and at most { $max } fit. Split the event into several exchanges.
refused-listed-twice = Not recorded: { $member } is listed twice. List each member once.
refused-self-exchange = Not recorded: { $member } is ticked both as giving and as receiving. A member cannot give time to themselves: choose one side only.
refused-bad-amount = Not recorded: the hours must be more than zero. To undo an exchange, reverse it instead.
refused-already-reversed = Not reversed: this exchange was reversed already, so there is nothing more to undo.
refused-unknown-exchange = There is no exchange with that reference in this bank.
refused-unknown-listing = There is no such offer or request.
refused-listing-closed = That offer or request is already closed.

## Reversing an exchange
reverse-title = Reverse an exchange
reverse-hours-each = Hours given by each
reverse-reason-given = Why it was reversed
reverse-what-happens = Reversing it puts each balance back as it was:
reverse-reason = Why it is being reversed (required)
reverse-reason-hint = For example “recorded twice” or “the wrong member”. Only coordinators and the members in the exchange see it.
reverse-button = Reverse the exchange
reverse-cancel = Back, without reversing anything
reverse-reason-needed = Say why the exchange is being reversed: the reason is kept with it.
reverse-transfer = This is a transfer with another bank. Both banks signed it, so it cannot be reversed here alone. To put it right, agree a transfer the other way with the other bank's coordinator.
reversed = Reversed
reversed-because = Reversed: { $reason }
reverse-column = Correct a mistake
reverse-link = Reverse

## Changing a member's details or status
member-edit-link = Change details or status
member-edit-title = Change the details of { $name }
member-edit-button = Save the changes
member-edit-nothing = Nothing was changed.
member-edit-saved = The changes are saved.
member-edit-back = Back to the member's page
member-status-title = Pause, or mark as left
member-status-now = Status now: { $status }
member-status-hint = A paused member keeps their balance but cannot be picked for new exchanges until they are made active again. A member who has left keeps their record and balance.
member-pause-button = Pause
member-left-button = Mark as left
member-active-button = Make active again
member-choose-status = Choose active, paused or left.
