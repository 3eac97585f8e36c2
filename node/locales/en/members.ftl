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
status-moved = moved to another bank
erased-member = erased member { $code }
erased-text = (erased)

## My account (a member's own page)
my-balance = Your balance
my-balance-explained = Hours you have given, less hours you have received.

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
