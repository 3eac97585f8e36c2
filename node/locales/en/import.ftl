## Importing members and exchanges from TimeOverflow or another system
# $count is a line number where a message says "line"; $detail is what the file holds there.
nav-import = Import
import-title = Bring members and exchanges over
import-intro = Import your members first, then your exchanges. The file is checked first, and nothing is written while it has a problem. Importing the same file again adds nothing.
import-what = What the file holds
import-kind-members = Members
import-kind-exchanges = Exchanges
import-source = Where the file comes from
import-format-timeoverflow = { "TimeOverflow" }: its members export, or its transfers export with ids
import-format-generic = Another system or a spreadsheet, in the generic layout
import-source-hint = The generic layout: members as number, name, kind, contact, date joined; exchanges as date, giver, receiver, hours, category, note. Headers may be in any language.
import-file = The file
import-file-hint = A { "CSV" } file of at most { $max } { "MB" }, as exported.
import-paste = Or paste the file's text here
import-paste-hint = After a check the file's text is here, so you can put a line right and check again.
import-check = Check the file
import-go-members = { $count ->
    [one] Import one member
   *[other] Import { $count } members
}
import-go-exchanges = { $count ->
    [one] Import one exchange
   *[other] Import { $count } exchanges
}
import-checked = Checked. Nothing has been written yet.
import-done = Imported.
import-choose-file = Choose a file, or paste its text.
import-new-members = { $count ->
    [one] One member to add.
   *[other] { $count } members to add.
}
import-added-members = { $count ->
    [one] One member added.
   *[other] { $count } members added.
}
import-already-members = { $count ->
    [one] One was in the register already.
   *[other] { $count } were in the register already.
}
import-new-exchanges = { $count ->
    [one] One exchange to record.
   *[other] { $count } exchanges to record.
}
import-recorded-exchanges = { $count ->
    [one] One exchange recorded.
   *[other] { $count } exchanges recorded.
}
import-already-exchanges = { $count ->
    [one] One was recorded already.
   *[other] { $count } were recorded already.
}
import-fund-new = The bank's own account (number 0 in { "TimeOverflow" }) becomes a new fund: { $name }.
import-fund = The bank's own account (number 0 in { "TimeOverflow" }) is the fund { $name } ({ $code }).
import-problems-title = { $count ->
    [one] The file has one problem, so nothing has been written. Put it right and check again.
   *[other] The file has { $count } problems, so nothing has been written. Put each right and check again.
}
import-more-problems = { $count ->
    [one] And one more.
   *[other] And { $count } more.
}
import-line = Line { $count }: { $detail }
import-whole-file = The file: { $detail }
import-beyond-title = Beyond today's limits after this history
import-beyond-intro = History is imported as it happened, not refused. These members end outside their limits, so a new exchange that takes them further out will be refused until their balance comes back or you change their limits.
import-beyond-member = Member
import-beyond-balance = Balance after the import (hours)
import-beyond-limits = Their limits (hours)
import-limits-value = { $min } to { $max }
import-members-title = The members in the file
import-member-line = Line
import-member-number = Number in the file
import-member-name = Name
import-member-code = Member code
import-see-register = See the members and their balances in the register.
import-stopped = The import stopped before the end ({ $detail }). What was written stays. Put it right and import the same file again: nothing is written twice.
import-empty = The file is empty. Export it again.
import-no-rows = The file holds a header row and nothing else. Export it again with its rows.
import-too-large = The file is larger than { $max } { "MB" }. Split it into smaller files and import each.
import-too-many-rows = The file has more than { $max } rows. Split it into smaller files and import each.
import-not-utf8 = This line is not { "UTF-8" } text. Save the file as { "CSV UTF-8" } and try again.
import-not-csv = This line cannot be read: check its quotation marks.
import-wrong-columns = This line has { $total } columns where { $max } were expected. { $detail }
import-layout-timeoverflow-members = The members export from { "TimeOverflow" } has 5 columns ({ "N, Username, Email, Phone, Alt. phone" }), or 9 or 16 in its longer forms.
import-layout-timeoverflow-transfers = The transfers export from { "TimeOverflow" } has 9 columns: { "Date, from, from ID, to, to ID, post, post ID, Reason, quantity" }.
import-layout-generic-members = The generic layout for members has 5 columns: number, name, kind, contact, date joined.
import-layout-generic-exchanges = The generic layout for exchanges has 6 columns: date, giver, receiver, hours, category, note.
import-bad-date = “{ $detail }” in { $field } is not a date. Write it as 2023-04-05 (year, month, day; a time after it is fine) or as 05/04/2023 (day, month, year).
import-future-date = { $detail } is in the future. History can only be of days gone by.
import-bad-hours = “{ $detail }” is not a number of hours. Write a number above zero with at most 2 decimal places, like 1.5.
import-too-precise = “{ $detail }” has more than 2 decimal places. Write hours like 1.25.
import-not-positive = The hours must be more than zero (they are “{ $detail }”).
import-bad-id = “{ $detail }” in { $field } is not a member's number. Write the number from the old system, 0 for the bank's own account, or an Amser member code.
import-bank-account-as-member = Number 0 is the bank's own account in { "TimeOverflow" }, not a member. Leave that line out of the members file.
import-no-longer-there = The file says “{ $detail }” in { $field }, so it does not say who that member was. Make them active again in { "TimeOverflow" } and export again, or write their Amser member code there.
import-unknown-member = Member “{ $code }” in { $field } is not in the register. Import the members file first, or write their Amser member code.
import-other-bank = { $code } in { $field } is a member of another bank. History can only be imported between this bank's members.
import-not-active = { $code } in { $field } is { $detail } now. Make them active again before importing their history.
import-same-member = The same member gives and receives (“{ $code }”). Nobody can pay themselves.
import-duplicate-id = Number “{ $code }” is already on line { $count }. Give each member once.
import-missing = There is nothing in { $field }. Fill it in.
import-too-long = There are { $chars } characters in { $field }, and at most { $max } are taken. Shorten it.
import-control-character = There is a character that is not plain text in { $field }. Use plain text.
import-bad-kind = “{ $detail }” is not a kind of member. Write person, agency or group, or leave it empty for a person.
import-column-id = the number
import-column-name = the name
import-column-kind = the kind
import-column-contact = the contact details
import-column-joined = the date joined
import-column-date = the date
import-column-provider = the giver’s number
import-column-receiver = the receiver’s number
import-column-hours = the hours
import-column-category = the category
import-column-note = the note
