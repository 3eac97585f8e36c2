# Consol gwe Amser, yn Gymraeg. Mae pob neges yma yn en.ftl hefyd
# (mae node/src/console/i18n.rs yn profi hynny). Ni chaiff enwau banciau,
# lleoedd ac aelodau eu cyfieithu: fe'u rhoddir fel y'u hysgrifennwyd.
# Ffurfiau lluosog: zero (0), one (1), two (2), few (3), many (6), other.

app-name = Amser
skip-to-content = Neidio i'r prif gynnwys
language-name = Cymraeg
other-language = English
choose-language = Iaith

## Llywio
nav-dashboard = Dangosfwrdd
nav-members = Aelodau
nav-my-account = Fy nghyfrif
nav-sign-out = Allgofnodi
signed-in-as = Wedi mewngofnodi fel { $name } ({ $role })
role-coordinator = cydlynydd
role-viewer = gwyliwr
role-member = aelod

## Mewngofnodi
sign-in-title = Mewngofnodi i { $bank }
sign-in-name = Eich enw
sign-in-password = Cyfrinair
sign-in-button = Mewngofnodi
sign-in-failed = Nid yw'r enw a'r cyfrinair yn cyfateb. Gwiriwch nhw a rhowch gynnig arall arni.
sign-in-throttled = Gormod o ymdrechion. Arhoswch { $minutes ->
    [one] funud
    [two] { $minutes } funud
   *[other] { $minutes } munud
} a rhowch gynnig arall arni, neu gofynnwch i'ch cydlynydd anfon dolen fewngofnodi newydd atoch.
sign-in-disabled = Mae'r cyfrif hwn wedi'i analluogi. Gofynnwch i'ch cydlynydd.
signed-out = Rydych wedi allgofnodi.
form-expired = Mae'r ffurflen hon wedi dod i ben. Rhowch gynnig arall arni.

## Gosod cyfrinair o ddolen fewngofnodi
welcome-title = Croeso i { $bank }
welcome-intro = Helo { $name }. Dewiswch gyfrinair i orffen sefydlu eich cyfrif.
welcome-password = Cyfrinair newydd
welcome-password-hint = O leiaf { $min } nod. Mae ychydig o eiriau y byddwch yn eu cofio yn gwneud cyfrinair da.
welcome-confirm = Yr un cyfrinair eto
welcome-button = Cadw fy nghyfrinair
welcome-mismatch = Nid yw'r ddau gyfrinair yr un fath. Teipiwch nhw eto.
welcome-too-short = Mae'r cyfrinair yn rhy fyr: mae angen o leiaf { $min } nod arno.
welcome-too-long = Mae'r cyfrinair yn rhy hir: caiff fod yn { $max } nod ar y mwyaf.
welcome-link-gone = Mae'r ddolen fewngofnodi hon wedi'i defnyddio neu wedi dod i ben. Gofynnwch i'ch cydlynydd am un newydd.

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

## Aelodau
members-title = Aelodau
members-search = Chwilio yn ôl enw neu sgil
members-search-button = Chwilio
members-none-found = Nid oes unrhyw aelod yn cyfateb i “{ $query }”.
member-name = Enw
member-code = Cod
member-kind = Math
member-status = Statws
member-balance = Balans
member-skills = Sgiliau a gynigir
member-needs = Anghenion
member-contact = Manylion cyswllt
member-availability = Ar gael
member-special-needs = Anghenion arbennig a nodiadau diogelu
member-joined = Ymunodd
member-recent-exchanges = Cyfnewidiadau diweddar
member-no-exchanges = Dim cyfnewidiadau eto.
kind-person = unigolyn
kind-agency = asiantaeth
kind-group = grŵp
status-active = gweithgar
status-paused = wedi oedi
status-left = wedi gadael
erased-member = aelod wedi'i ddileu { $code }
erased-text = (wedi'i ddileu)

## Cyfnewidiadau
exchange-date = Dyddiad
exchange-provider = Rhoddwyd gan
exchange-receiver = Derbyniwyd gan
exchange-hours = Oriau
exchange-category = Categori
exchange-note = Nodyn

## Fy nghyfrif (tudalen aelod ei hun)
my-balance = Eich balans
my-balance-explained = Yr oriau rydych wedi'u rhoi, llai'r oriau rydych wedi'u derbyn.

## Gwallau
error-title = Aeth rhywbeth o'i le
error-not-found = Nid oes tudalen o'r fath.
error-forbidden = Ni all eich cyfrif weld y dudalen hon.
error-unknown-member = Nid oes aelod â'r cod hwnnw.
error-storage = Ni ellir darllen cofnodion y banc ar hyn o bryd. Rhowch gynnig arall arni ymhen munud; os yw'n parhau, dywedwch wrth y person sy'n gofalu am y nod.
back-to-dashboard = Yn ôl i'r dangosfwrdd

## Cofnodi cyfnewid
nav-record = Cofnodi cyfnewid
record-title = Cofnodi cyfnewid
record-provider = Pwy roddodd yr amser
record-provider-here = Aelod o'r banc hwn
record-provider-elsewhere = Neu aelod o fanc arall, yn ôl ei god
record-provider-elsewhere-hint = Er enghraifft gwynedd:7KQ2-M4. Gofynnir i'r banc arall gytuno.
record-choose = Dewiswch aelod
record-receiver = Pwy a'i dderbyniodd (ac sy'n talu'r oriau)
record-hours = Oriau
record-hours-hint = Er enghraifft 2, 1.5 neu 1:30.
record-category = Categori
record-date = Dyddiad
record-note = Nodyn (dewisol; dim ond cydlynwyr a'r aelodau yn y cyfnewid sy'n ei weld)
record-button = Cofnodi'r cyfnewid
recorded-notice = Wedi'i gofnodi: { $summary }.
record-choose-provider = Dewiswch pwy roddodd yr amser, neu rhowch god aelod o fanc arall.
record-choose-receiver = Dewiswch pwy dderbyniodd yr amser.
record-bad-code = Nid yw “{ $code }” yn god aelod. Mae cod yn edrych fel rhymney:7KQ2-M4.
record-bad-hours = Nid yw “{ $hours }” yn nifer o oriau. Ysgrifennwch 2, 1.5 neu 1:30.
record-bad-date = Nid yw “{ $date }” yn ddyddiad. Dewiswch un yn y calendr.
refused-below-floor = Heb ei gofnodi: mae gan { $member } { $balance } awr nawr, a byddai hyn yn mynd â'u balans i { $would }, yn is na'u terfyn o { $limit }. Cofnodwch lai o oriau, neu newidiwch eu terfyn.
refused-above-ceiling = Heb ei gofnodi: mae gan { $member } { $balance } awr nawr, a byddai hyn yn mynd â'u balans i { $would }, yn uwch na'u terfyn o { $limit }. Cofnodwch lai o oriau, neu newidiwch eu terfyn.
refused-unknown-member = Heb ei gofnodi: nid oes aelod { $member }.
refused-not-active = Heb ei gofnodi: mae un o'r aelodau wedi oedi neu wedi gadael. Gwnewch nhw'n weithgar yn gyntaf.
refused-erased = Heb ei gofnodi: mae { $member } wedi'i ddileu.
refused-future-date = Heb ei gofnodi: mae'r dyddiad yn y dyfodol. Cofnodwch help unwaith y bydd wedi'i roi.
refused-too-many-hours = Heb ei gofnodi: mae hynny'n fwy o oriau nag y gall un person eu rhoi mewn diwrnod.
refused-peer = Heb ei gofnodi: nid yw'r banc hwn yn masnachu â banc yr aelod hwnnw ar hyn o bryd (nid yw wedi'i dderbyn, neu mae wedi'i rewi).
refused-payers-bank = Heb ei gofnodi yma: mae'r aelod a dderbyniodd yr help yn perthyn i { $bank }, felly'r banc hwnnw sy'n ei gofnodi.
refused-other = Heb ei gofnodi: { $detail }

## Ychwanegu aelod
member-add-title = Ychwanegu aelod
member-add-button = Ychwanegu'r aelod
member-choose-kind = Dewiswch ai unigolyn, asiantaeth neu grŵp yw hwn.
member-list-hint = Un i bob llinell, neu wedi'u gwahanu gan goma.
member-special-needs-hint = Dim ond cydlynwyr sy'n gweld hyn. Ni chaiff ei anfon at fanc arall byth.
text-too-long = Mae'r maes “{ $field }” yn rhy hir: { $chars } nod, a dim ond { $max } sy'n ffitio. Byrhewch ef.
text-empty = Rhaid llenwi'r maes “{ $field }”.
text-control = Mae gan y maes “{ $field }” nod na ellir ei gadw (fel tab wedi'i ludo o rywle arall). Teipiwch ef eto fel testun plaen.
text-too-many = { $field }: { $count ->
    [two] { $count } gofnod
    [few] { $count } chofnod
    [many] { $count } chofnod
   *[other] { $count } cofnod
}, a dim ond { $max } sy'n ffitio.
