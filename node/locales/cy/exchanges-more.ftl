## Digwyddiadau grŵp: sawl un a roddodd, sawl un a dderbyniodd
group-how-hours-are-shared = Mae pob un a roddodd amser yn cael yr oriau a ysgrifennir isod. Mae'r rhai a dderbyniodd yn rhannu'r amser hwnnw'n gyfartal rhyngddynt: pan fydd 4 cerddor yn rhoi 2 awr yr un i 30 o wrandawyr, mae pob cerddor yn cael 2 awr, ac mae'r gwrandawyr yn rhannu'r 8 awr, 16 munud yr un.
group-find = Chwilio am aelodau yn ôl enw
group-find-button = Dangos yr aelodau sy'n cyfateb
group-find-hint = Mae'r aelodau sydd wedi'u ticio eisoes yn aros wedi'u ticio, ac ni chollir dim arall rydych wedi'i lenwi.
group-filtered = { $count ->
    [zero] Dangosir pob aelod.
    [one] Ni ddangosir un aelod arall.
    [two] Ni ddangosir dau aelod arall.
    [few] Ni ddangosir { $count } aelod arall.
    [many] Ni ddangosir { $count } aelod arall.
   *[other] Ni ddangosir { $count } o aelodau eraill.
} Cliriwch y blwch chwilio i weld pawb.
group-givers-hint = Ticiwch bawb a roddodd amser.
group-receivers-hint = Ticiwch bawb a'i dderbyniodd.
group-ticked = { $count ->
    [zero] Dim un wedi'i ddewis eto.
    [one] Un wedi'i ddewis.
    [two] Dau wedi'u dewis.
    [few] { $count } wedi'u dewis.
    [many] { $count } wedi'u dewis.
   *[other] { $count } wedi'u dewis.
}
group-hours-each = Oriau a roddwyd gan bob un
group-recorded-notice = Wedi'i gofnodi: { $summary } (rhoddodd { $givers }, derbyniodd { $receivers }).
group-elsewhere-alone = Dim ond ar ei ben ei hun y gall aelod o fanc arall roi amser: gadewch aelodau'r banc hwn heb eu ticio, neu cofnodwch ddigwyddiad grŵp gyda banc arall fel cyfnewidiadau ar wahân.
refused-cross-bank-group = Heb ei gofnodi: mewn cyfnewid ag aelod o fanc arall, mae un yn rhoi ac un yn derbyn. Cofnodwch ddigwyddiad grŵp gyda banc arall fel cyfnewidiadau ar wahân.
refused-too-many-people = Heb ei gofnodi: { $count ->
    [zero] { $count } o bobl
    [one] un person
    [two] { $count } berson
    [few] { $count } pherson
    [many] { $count } pherson
   *[other] { $count } o bobl
} mewn un cyfnewid, a dim ond { $max } sy'n ffitio. Rhannwch y digwyddiad yn sawl cyfnewid.
refused-listed-twice = Heb ei gofnodi: mae { $member } wedi'i restru ddwywaith. Rhestrwch bob aelod unwaith.
refused-self-exchange = Heb ei gofnodi: mae { $member } wedi'i ddewis fel un a roddodd ac fel un a dderbyniodd. Ni all aelod roi amser iddo'i hun: dewiswch un ochr yn unig.
refused-bad-amount = Heb ei gofnodi: rhaid i'r oriau fod yn fwy na sero. I ddadwneud cyfnewid, gwrthdrowch ef yn lle hynny.
refused-already-reversed = Heb ei wrthdroi: mae'r cyfnewid hwn wedi'i wrthdroi'n barod, felly nid oes dim mwy i'w ddadwneud.
refused-unknown-exchange = Nid oes cyfnewid â'r cyfeirnod hwnnw yn y banc hwn.
refused-unknown-listing = Nid oes cynnig na chais o'r fath.
refused-listing-closed = Mae'r cynnig neu'r cais hwnnw wedi'i gau'n barod.

## Gwrthdroi cyfnewid
reverse-title = Gwrthdroi cyfnewid
reverse-hours-each = Oriau a roddwyd gan bob un
reverse-reason-given = Pam y cafodd ei wrthdroi
reverse-what-happens = Mae ei wrthdroi'n rhoi pob balans yn ôl fel yr oedd:
reverse-reason = Pam mae'n cael ei wrthdroi (rhaid ei lenwi)
reverse-reason-hint = Er enghraifft “wedi'i gofnodi ddwywaith” neu “yr aelod anghywir”. Dim ond cydlynwyr a'r aelodau yn y cyfnewid sy'n ei weld.
reverse-button = Gwrthdroi'r cyfnewid
reverse-cancel = Yn ôl, heb wrthdroi dim
reverse-reason-needed = Dywedwch pam mae'r cyfnewid yn cael ei wrthdroi: caiff y rheswm ei gadw gydag ef.
reverse-transfer = Trosglwyddiad gyda banc arall yw hwn. Llofnododd y ddau fanc ef, felly ni ellir ei wrthdroi yma ar ei ben ei hun. I'w gywiro, cytunwch ar drosglwyddiad y ffordd arall gyda chydlynydd y banc arall.
reversed = Wedi'i wrthdroi
reversed-because = Wedi'i wrthdroi: { $reason }
reverse-column = Cywiro camgymeriad
reverse-link = Gwrthdroi

## Newid manylion neu statws aelod
member-edit-link = Newid manylion neu statws
member-edit-title = Newid manylion { $name }
member-edit-button = Cadw'r newidiadau
member-edit-nothing = Ni newidiwyd dim.
member-edit-saved = Mae'r newidiadau wedi'u cadw.
member-edit-back = Yn ôl i dudalen yr aelod
member-status-title = Oedi, neu nodi bod yr aelod wedi gadael
member-status-now = Statws nawr: { $status }
member-status-hint = Mae aelod sydd wedi oedi'n cadw ei falans, ond ni ellir ei ddewis ar gyfer cyfnewidiadau newydd nes iddo gael ei wneud yn weithgar eto. Mae aelod sydd wedi gadael yn cadw ei gofnod a'i falans.
member-pause-button = Oedi
member-left-button = Nodi wedi gadael
member-active-button = Gwneud yn weithgar eto
member-choose-status = Dewiswch weithgar, wedi oedi neu wedi gadael.
