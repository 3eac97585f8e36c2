# Amser's web console, in English. Every message id here is in cy.ftl too
# (node/src/console/i18n.rs tests that). Bank, place and member names are
# never translated: they are passed in as written.

app-name = Amser
skip-to-content = Skip to the main content
language-name = English
other-language = Cymraeg
choose-language = Language

## Navigation
nav-dashboard = Dashboard
nav-members = Members
nav-my-account = My account
nav-sign-out = Sign out
signed-in-as = Signed in as { $name } ({ $role })
role-coordinator = coordinator
role-viewer = viewer
role-member = member

## Signing in
sign-in-title = Sign in to { $bank }
sign-in-name = Your name
sign-in-password = Password
sign-in-button = Sign in
sign-in-failed = That name and password do not match. Check them and try again.
sign-in-throttled = Too many tries. Wait { $minutes ->
    [one] one minute
   *[other] { $minutes } minutes
} and try again, or ask your coordinator to send you a new sign-in link.
sign-in-disabled = This account has been disabled. Ask your coordinator.
signed-out = You have signed out.
form-expired = This form has expired. Please try again.

## Setting a password from a sign-in link
welcome-title = Welcome to { $bank }
welcome-intro = Hello { $name }. Choose a password to finish setting up your account.
welcome-password = New password
welcome-password-hint = At least { $min } characters. A few words you will remember make a good one.
welcome-confirm = The same password again
welcome-button = Save my password
welcome-mismatch = The two passwords are not the same. Type them again.
welcome-too-short = The password is too short: it needs at least { $min } characters.
welcome-too-long = The password is too long: it may have at most { $max } characters.
welcome-link-gone = This sign-in link has been used or has expired. Ask your coordinator for a new one.

## Dashboard
dashboard-title = { $bank }
hours-this-month = Hours given this month
hours-last-month = Last month: { $hours }
active-members = Active members
active-members-since = Gave or received time since { $date }
members-count = { $count ->
    [zero] No members
    [one] One member
   *[other] { $count } members
}
new-members-this-month = { $count ->
    [zero] No new members this month
    [one] One new member this month
   *[other] { $count } new members this month
}
exchanges-count = { $count ->
    [zero] no exchanges
    [one] one exchange
   *[other] { $count } exchanges
}
transfers-pending = Transfers with other banks waiting for an answer
peers-online = Banks connected
peers-online-value = { $online } of { $total }
hours-by-month = Hours given, by month
chart-summary = Hours given in each of the last 12 months; the table below gives the same figures.
month = Month
hours = Hours
exchanges = Exchanges

## Members
members-title = Members
members-search = Search by name or skill
members-search-button = Search
members-none-found = No member matches “{ $query }”.
member-name = Name
member-code = Code
member-kind = Kind
member-status = Status
member-balance = Balance
member-skills = Skills offered
member-needs = Needs
member-contact = Contact
member-availability = Availability
member-special-needs = Special needs and safeguarding notes
member-joined = Joined
member-recent-exchanges = Recent exchanges
member-no-exchanges = No exchanges yet.
kind-person = person
kind-agency = agency
kind-group = group
status-active = active
status-paused = paused
status-left = left
erased-member = erased member { $code }
erased-text = (erased)

## Exchanges
exchange-date = Date
exchange-provider = Given by
exchange-receiver = Received by
exchange-hours = Hours
exchange-category = Category
exchange-note = Note

## My account (a member's own page)
my-balance = Your balance
my-balance-explained = Hours you have given, less hours you have received.

## Errors
error-title = Something went wrong
error-not-found = There is no such page.
error-forbidden = Your account cannot see this page.
error-unknown-member = There is no member with that code.
error-storage = The bank's records cannot be read just now. Try again in a minute; if it goes on, tell the person who looks after the node.
back-to-dashboard = Back to the dashboard

## Recording an exchange
nav-record = Record an exchange
record-title = Record an exchange
record-provider = Who gave the time
record-provider-here = A member of this bank
record-provider-elsewhere = Or a member of another bank, by their code
record-provider-elsewhere-hint = For example gwynedd:7KQ2-M4. The other bank is asked to agree.
record-choose = Choose a member
record-receiver = Who received it (and pays the hours)
record-hours = Hours
record-hours-hint = For example 2, 1.5 or 1:30.
record-category = Category
record-date = Date
record-note = Note (optional; only coordinators and the members in the exchange see it)
record-button = Record the exchange
recorded-notice = Recorded: { $summary }.
record-choose-provider = Choose who gave the time, or give the code of another bank's member.
record-choose-receiver = Choose who received the time.
record-bad-code = “{ $code }” is not a member code. A code looks like rhymney:7KQ2-M4.
record-bad-hours = “{ $hours }” is not a number of hours. Write it as 2, 1.5 or 1:30.
record-bad-date = “{ $date }” is not a date. Choose one in the calendar.
refused-below-floor = Not recorded: { $member } has { $balance } hours now, and this would take them to { $would }, below their limit of { $limit }. Record fewer hours, or change their limit.
refused-above-ceiling = Not recorded: { $member } has { $balance } hours now, and this would take them to { $would }, above their limit of { $limit }. Record fewer hours, or change their limit.
refused-unknown-member = Not recorded: there is no member { $member }.
refused-not-active = Not recorded: one of the members is paused or has left. Make them active first.
refused-erased = Not recorded: { $member } has been erased.
refused-future-date = Not recorded: the date is in the future. Record help once it has been given.
refused-too-many-hours = Not recorded: that is more hours than one person can give in a day.
refused-peer = Not recorded: this bank does not trade with that member's bank just now (it is not admitted, or it is frozen).
refused-payers-bank = Not recorded here: the member who received the help belongs to { $bank }, so that bank records it.
refused-other = Not recorded: { $detail }

## Adding a member
member-add-title = Add a member
member-add-button = Add the member
member-choose-kind = Choose whether this is a person, an agency or a group.
member-list-hint = One per line, or separated by commas.
member-special-needs-hint = Only coordinators ever see this. It is never sent to another bank.
text-too-long = { $field } is too long: { $chars } characters, and at most { $max } fit. Shorten it.
text-empty = { $field } must be filled in.
text-control = { $field } has a character that cannot be stored (such as a tab pasted from elsewhere). Type it again as plain text.
text-too-many = { $field }: { $count } entries, and at most { $max } fit.
