## Reports (the reports page, its CSV files and print view)
nav-reports = Reports
reports-title = Reports
form-problem = There is a problem
print-back = Back to the full page
print-how = Use your browser’s Print command to print this page.
reports-period = Period
reports-month-hint = Year and month, like 2026-01.
reports-from = First month
reports-to = Last month
reports-show = Show the reports
reports-print = Print view
period-words = { $from } to { $to }
period-bad-month = “{ $detail }” is not a month. Write the year and month, like 2026-01.
period-backwards = The period starts after it ends. Choose a first month that comes before the last month.
period-too-long = { $count ->
    [one] That period is one month long
   *[other] That period is { $count } months long
}, and one report covers at most { $max } months. Choose a shorter period.
report-hours-given = Hours given
report-active-rule = A member is active in a month when they gave or received time in an exchange dated in that month.
report-active-in-period = { $count ->
    [zero] No active members
    [one] One active member
   *[other] { $count } active members
}
report-new-in-period = { $count ->
    [zero] No new members
    [one] One new member
   *[other] { $count } new members
}
report-nothing = Nothing in this period.
report-download = Download “{ $name }” as a spreadsheet (CSV file)
report-hours-by-month = Hours given, by month
report-hours-by-month-desc = The hours given in exchanges dated in each month of the period.
report-hours-by-category = Hours given, by category
report-hours-by-category-desc = The hours given in each category in the period, the most first.
report-hours-by-agency = Hours by agency
report-hours-by-agency-desc = The hours that agencies (members whose kind is agency) gave and received in the period.
report-active-members = Active members, by month
report-active-members-desc = How many members gave or received time in each month.
report-new-members = New members, by month
report-new-members-desc = How many members joined in each month.
report-minutes = Minutes
report-category = Category
report-agency = Agency
report-minutes-given = Minutes given
report-hours-received = Hours received
report-minutes-received = Minutes received
report-new-members-column = New members
report-given-received = { $given } given, { $received } received

## A member's statement
statement-title = Statement
statement-link = Statement, ready to print
statement-back = Back to the member’s page
statement-show = Show the statement
statement-bank = Bank
statement-opening = Balance at the start
statement-closing = Balance at the end
statement-rule = Lines are in order of the date the time was given. An exchange that was reversed is listed but counts nothing; an exchange with another bank’s member counts once that bank has accepted it.
statement-nothing = No exchanges in this period.
statement-lines = Exchanges, and the balance after each
statement-who = Who
statement-brought-forward = Brought forward
statement-carried-forward = Carried forward
statement-other-bank-member = { $code } (another bank)
statement-and-others = { $count ->
    [one] and one other
   *[other] and { $count } others
}
statement-gave-to = Gave to { $name }
statement-received-from = Received from { $name }
statement-reversed = Reversed (with { $name }); not counted
statement-left-off = { $count ->
    [one] One more line is not listed
   *[other] { $count } more lines are not listed
}; choose a shorter period to see them. The balances count them.
