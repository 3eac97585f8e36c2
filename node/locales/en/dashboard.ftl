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
