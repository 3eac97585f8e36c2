## Dangosfwrdd
dashboard-title = { $bank }
hours-this-month = Oriau a roddwyd y mis hwn
hours-last-month = Y mis diwethaf: { $hours }
active-members = Aelodau gweithgar
active-members-since = Wedi rhoi neu dderbyn amser ers { $date }
members-count = { $count ->
    [zero] Dim aelodau
    [one] Un aelod
    [two] Dau aelod
    [few] { $count } aelod
    [many] { $count } aelod
   *[other] { $count } o aelodau
}
new-members-this-month = { $count ->
    [zero] Dim aelodau newydd y mis hwn
    [one] Un aelod newydd y mis hwn
    [two] Dau aelod newydd y mis hwn
    [few] { $count } aelod newydd y mis hwn
    [many] { $count } aelod newydd y mis hwn
   *[other] { $count } o aelodau newydd y mis hwn
}
exchanges-count = { $count ->
    [zero] dim cyfnewidiadau
    [one] un cyfnewid
    [two] dau gyfnewid
    [few] { $count } chyfnewid
    [many] { $count } chyfnewid
   *[other] { $count } o gyfnewidiadau
}
transfers-pending = Trosglwyddiadau gyda banciau eraill sy'n aros am ateb
peers-online = Banciau wedi'u cysylltu
peers-online-value = { $online } o { $total }
hours-by-month = Oriau a roddwyd, fesul mis
chart-summary = Oriau a roddwyd ym mhob un o'r 12 mis diwethaf; mae'r tabl isod yn rhoi'r un ffigurau.
month = Mis
hours = Oriau
exchanges = Cyfnewidiadau
