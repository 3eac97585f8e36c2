## Adroddiadau (tudalen yr adroddiadau, ei ffeiliau CSV a'r fersiwn i'w argraffu)
nav-reports = Adroddiadau
reports-title = Adroddiadau
form-problem = Mae problem
print-back = Yn ôl i'r dudalen lawn
print-how = Defnyddiwch orchymyn Argraffu eich porwr i argraffu'r dudalen hon.
reports-period = Cyfnod
reports-month-hint = Blwyddyn a mis, er enghraifft 2026-01.
reports-from = Mis cyntaf
reports-to = Mis olaf
reports-show = Dangos yr adroddiadau
reports-print = Fersiwn i'w argraffu
period-words = { $from } – { $to }
period-bad-month = Nid yw “{ $detail }” yn fis. Ysgrifennwch y flwyddyn a'r mis, er enghraifft 2026-01.
period-backwards = Mae'r cyfnod yn dechrau ar ôl iddo orffen. Dewiswch fis cyntaf sy'n dod cyn y mis olaf.
period-too-long = { $count ->
    [zero] Nid oes mis yn y cyfnod hwnnw
    [one] Mae'r cyfnod hwnnw'n un mis o hyd
    [two] Mae'r cyfnod hwnnw'n ddau fis o hyd
    [few] Mae'r cyfnod hwnnw'n { $count } mis o hyd
    [many] Mae'r cyfnod hwnnw'n { $count } mis o hyd
   *[other] Mae'r cyfnod hwnnw'n { $count } o fisoedd o hyd
}, ac mae un adroddiad yn cwmpasu { $max } o fisoedd ar y mwyaf. Dewiswch gyfnod byrrach.
report-hours-given = Oriau a roddwyd
report-active-rule = Mae aelod yn weithgar mewn mis pan fydd wedi rhoi neu dderbyn amser mewn cyfnewid sydd â dyddiad yn y mis hwnnw.
report-active-in-period = { $count ->
    [zero] Dim aelodau gweithgar
    [one] Un aelod gweithgar
    [two] Dau aelod gweithgar
    [few] { $count } aelod gweithgar
    [many] { $count } aelod gweithgar
   *[other] { $count } o aelodau gweithgar
}
report-new-in-period = { $count ->
    [zero] Dim aelodau newydd
    [one] Un aelod newydd
    [two] Dau aelod newydd
    [few] { $count } aelod newydd
    [many] { $count } aelod newydd
   *[other] { $count } o aelodau newydd
}
report-nothing = Dim byd yn y cyfnod hwn.
report-download = Llwytho “{ $name }” i lawr fel taenlen
report-hours-by-month = Oriau a roddwyd, fesul mis
report-hours-by-month-desc = Yr oriau a roddwyd mewn cyfnewidiadau sydd â dyddiad ym mhob mis o'r cyfnod.
report-hours-by-category = Oriau a roddwyd, fesul categori
report-hours-by-category-desc = Yr oriau a roddwyd ym mhob categori yn y cyfnod, y mwyaf yn gyntaf.
report-hours-by-agency = Oriau fesul asiantaeth
report-hours-by-agency-desc = Yr oriau a roddodd ac a dderbyniodd asiantaethau (aelodau o'r math asiantaeth) yn y cyfnod.
report-active-members = Aelodau gweithgar, fesul mis
report-active-members-desc = Faint o aelodau a roddodd neu a dderbyniodd amser ym mhob mis.
report-new-members = Aelodau newydd, fesul mis
report-new-members-desc = Faint o aelodau a ymunodd ym mhob mis.
report-minutes = Munudau
report-category = Categori
report-agency = Asiantaeth
report-minutes-given = Munudau a roddwyd
report-hours-received = Oriau a dderbyniwyd
report-minutes-received = Munudau a dderbyniwyd
report-new-members-column = Aelodau newydd
report-given-received = { $given } wedi'u rhoi, { $received } wedi'u derbyn

## Datganiad aelod
statement-title = Datganiad
statement-link = Datganiad, yn barod i'w argraffu
statement-back = Yn ôl i dudalen yr aelod
statement-show = Dangos y datganiad
statement-bank = Banc
statement-opening = Balans ar y dechrau
statement-closing = Balans ar y diwedd
statement-rule = Mae'r llinellau yn nhrefn y dyddiad y rhoddwyd yr amser. Caiff cyfnewid a ddadwnaed ei restru, ond nid yw'n cyfrif; mae cyfnewid gydag aelod o fanc arall yn cyfrif unwaith y bydd y banc hwnnw wedi'i dderbyn.
statement-nothing = Dim cyfnewidiadau yn y cyfnod hwn.
statement-lines = Cyfnewidiadau, a'r balans ar ôl pob un
statement-who = Pwy
statement-brought-forward = Balans a ddygwyd ymlaen
statement-carried-forward = Balans i'w gario ymlaen
statement-other-bank-member = { $code } (banc arall)
statement-and-others = { $count ->
    [zero] a neb arall
    [one] ac un arall
    [two] a dau arall
    [few] a { $count } arall
    [many] a { $count } arall
   *[other] a { $count } arall
}
statement-gave-to = Rhoddwyd i { $name }
statement-received-from = Derbyniwyd gan { $name }
statement-reversed = Wedi'i ddadwneud (gyda { $name }); heb ei gyfrif
statement-left-off = { $count ->
    [zero] Mae pob llinell wedi'i rhestru
    [one] Nid yw un llinell arall wedi'i rhestru
    [two] Nid yw dwy linell arall wedi'u rhestru
    [few] Nid yw { $count } llinell arall wedi'u rhestru
    [many] Nid yw { $count } llinell arall wedi'u rhestru
   *[other] Nid yw { $count } o linellau eraill wedi'u rhestru
}; dewiswch gyfnod byrrach i'w gweld. Mae'r balansau yn eu cyfrif.
