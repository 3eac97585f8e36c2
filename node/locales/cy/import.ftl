## Mewnforio aelodau a chyfnewidiadau o TimeOverflow neu system arall
# $count yw rhif llinell lle mae neges yn sôn am linell; $detail yw'r hyn sydd yn y ffeil yno.
nav-import = Mewnforio
import-title = Dod ag aelodau a chyfnewidiadau drosodd
import-intro = Mewnforiwch eich aelodau yn gyntaf, ac yna eich cyfnewidiadau. Caiff y ffeil ei gwirio yn gyntaf, ac ni chaiff dim ei ysgrifennu tra bo problem ynddi. Nid yw mewnforio'r un ffeil eto yn ychwanegu dim.
import-what = Beth sydd yn y ffeil
import-kind-members = Aelodau
import-kind-exchanges = Cyfnewidiadau
import-source = O ble mae'r ffeil yn dod
import-format-timeoverflow = { "TimeOverflow" }: ei allforio aelodau, neu ei allforio trosglwyddiadau gyda'u rhifau
import-format-generic = System arall neu daenlen, yn y cynllun cyffredinol
import-source-hint = Y cynllun cyffredinol: aelodau fel rhif, enw, math, cyswllt, dyddiad ymuno; cyfnewidiadau fel dyddiad, rhoddwr, derbynnydd, oriau, categori, nodyn. Gall y penawdau fod mewn unrhyw iaith.
import-file = Y ffeil
import-file-hint = Ffeil { "CSV" } o { $max } { "MB" } ar y mwyaf, fel y'i hallforiwyd.
import-paste = Neu gludwch destun y ffeil yma
import-paste-hint = Ar ôl gwirio, mae testun y ffeil yma, fel y gallwch gywiro llinell a gwirio eto.
import-check = Gwirio'r ffeil
import-go-members = { $count ->
    [zero] Mewnforio dim aelodau
    [one] Mewnforio un aelod
    [two] Mewnforio dau aelod
    [few] Mewnforio { $count } aelod
    [many] Mewnforio { $count } aelod
   *[other] Mewnforio { $count } o aelodau
}
import-go-exchanges = { $count ->
    [zero] Mewnforio dim cyfnewidiadau
    [one] Mewnforio un cyfnewid
    [two] Mewnforio dau gyfnewid
    [few] Mewnforio { $count } chyfnewid
    [many] Mewnforio { $count } chyfnewid
   *[other] Mewnforio { $count } o gyfnewidiadau
}
import-checked = Wedi'i gwirio. Nid oes dim wedi'i ysgrifennu eto.
import-done = Wedi'i mewnforio.
import-choose-file = Dewiswch ffeil, neu gludwch ei thestun.
import-new-members = { $count ->
    [zero] Dim aelodau i'w hychwanegu.
    [one] Un aelod i'w ychwanegu.
    [two] Dau aelod i'w hychwanegu.
    [few] { $count } aelod i'w hychwanegu.
    [many] { $count } aelod i'w hychwanegu.
   *[other] { $count } o aelodau i'w hychwanegu.
}
import-added-members = { $count ->
    [zero] Nid ychwanegwyd dim aelodau.
    [one] Ychwanegwyd un aelod.
    [two] Ychwanegwyd dau aelod.
    [few] Ychwanegwyd { $count } aelod.
    [many] Ychwanegwyd { $count } aelod.
   *[other] Ychwanegwyd { $count } o aelodau.
}
import-already-members = { $count ->
    [zero] Nid oedd yr un ohonynt yn y gofrestr yn barod.
    [one] Roedd un yn y gofrestr yn barod.
    [two] Roedd dau yn y gofrestr yn barod.
    [few] Roedd { $count } yn y gofrestr yn barod.
    [many] Roedd { $count } yn y gofrestr yn barod.
   *[other] Roedd { $count } yn y gofrestr yn barod.
}
import-new-exchanges = { $count ->
    [zero] Dim cyfnewidiadau i'w cofnodi.
    [one] Un cyfnewid i'w gofnodi.
    [two] Dau gyfnewid i'w cofnodi.
    [few] { $count } chyfnewid i'w cofnodi.
    [many] { $count } chyfnewid i'w cofnodi.
   *[other] { $count } o gyfnewidiadau i'w cofnodi.
}
import-recorded-exchanges = { $count ->
    [zero] Ni chofnodwyd dim cyfnewidiadau.
    [one] Cofnodwyd un cyfnewid.
    [two] Cofnodwyd dau gyfnewid.
    [few] Cofnodwyd { $count } chyfnewid.
    [many] Cofnodwyd { $count } chyfnewid.
   *[other] Cofnodwyd { $count } o gyfnewidiadau.
}
import-already-exchanges = { $count ->
    [zero] Nid oedd yr un ohonynt wedi'i gofnodi yn barod.
    [one] Roedd un wedi'i gofnodi yn barod.
    [two] Roedd dau wedi'u cofnodi yn barod.
    [few] Roedd { $count } wedi'u cofnodi yn barod.
    [many] Roedd { $count } wedi'u cofnodi yn barod.
   *[other] Roedd { $count } wedi'u cofnodi yn barod.
}
import-fund-new = Daw cyfrif y banc ei hun (rhif 0 yn { "TimeOverflow" }) yn gronfa newydd: { $name }.
import-fund = Cyfrif y banc ei hun (rhif 0 yn { "TimeOverflow" }) yw'r gronfa { $name } ({ $code }).
import-problems-title = { $count ->
    [one] Mae un broblem yn y ffeil, felly nid oes dim wedi'i ysgrifennu. Cywirwch hi a gwiriwch eto.
    [two] Mae dwy broblem yn y ffeil, felly nid oes dim wedi'i ysgrifennu. Cywirwch bob un a gwiriwch eto.
    [few] Mae { $count } problem yn y ffeil, felly nid oes dim wedi'i ysgrifennu. Cywirwch bob un a gwiriwch eto.
    [many] Mae { $count } problem yn y ffeil, felly nid oes dim wedi'i ysgrifennu. Cywirwch bob un a gwiriwch eto.
   *[other] Mae { $count } o broblemau yn y ffeil, felly nid oes dim wedi'i ysgrifennu. Cywirwch bob un a gwiriwch eto.
}
import-more-problems = { $count ->
    [one] Ac un arall.
    [two] A dwy arall.
    [few] A { $count } arall.
    [many] A { $count } arall.
   *[other] A { $count } arall.
}
import-line = Llinell { $count }: { $detail }
import-whole-file = Y ffeil: { $detail }
import-beyond-title = Y tu hwnt i'r terfynau heddiw ar ôl yr hanes hwn
import-beyond-intro = Caiff hanes ei fewnforio fel y digwyddodd, nid ei wrthod. Mae'r aelodau hyn yn gorffen y tu allan i'w terfynau, felly caiff cyfnewid newydd sy'n mynd â nhw ymhellach ei wrthod nes i'w balans ddod yn ôl neu i chi newid eu terfynau.
import-beyond-member = Aelod
import-beyond-balance = Balans ar ôl mewnforio (oriau)
import-beyond-limits = Eu terfynau (oriau)
import-limits-value = { $min } i { $max }
import-members-title = Yr aelodau yn y ffeil
import-member-line = Llinell
import-member-number = Rhif yn y ffeil
import-member-name = Enw
import-member-code = Cod aelod
import-see-register = Gweld yr aelodau a'u balansau yn y gofrestr.
import-stopped = Daeth y mewnforio i ben cyn y diwedd ({ $detail }). Mae'r hyn a ysgrifennwyd yn aros. Cywirwch y broblem a mewnforiwch yr un ffeil eto: ni chaiff dim ei ysgrifennu ddwywaith.
import-empty = Mae'r ffeil yn wag. Allforiwch hi eto.
import-no-rows = Dim ond rhes o benawdau sydd yn y ffeil. Allforiwch hi eto gyda'i rhesi.
import-too-large = Mae'r ffeil yn fwy na { $max } { "MB" }. Rhannwch hi'n ffeiliau llai a mewnforiwch bob un.
import-too-many-rows = Mae mwy na { $max } o resi yn y ffeil. Rhannwch hi'n ffeiliau llai a mewnforiwch bob un.
import-not-utf8 = Nid testun { "UTF-8" } yw'r llinell hon. Cadwch y ffeil fel { "CSV UTF-8" } a rhowch gynnig arall arni.
import-not-csv = Ni ellir darllen y llinell hon: gwiriwch ei dyfynodau.
import-wrong-columns = Mae { $total } colofn yn y llinell hon lle'r oedd disgwyl { $max }. { $detail }
import-layout-timeoverflow-members = Mae 5 colofn yn yr allforio aelodau o { "TimeOverflow" } ({ "N, Username, Email, Phone, Alt. phone" }), neu 9 neu 16 yn ei ffurfiau hirach.
import-layout-timeoverflow-transfers = Mae 9 colofn yn yr allforio trosglwyddiadau o { "TimeOverflow" }: { "Date, from, from ID, to, to ID, post, post ID, Reason, quantity" }.
import-layout-generic-members = Mae 5 colofn yn y cynllun cyffredinol ar gyfer aelodau: rhif, enw, math, cyswllt, dyddiad ymuno.
import-layout-generic-exchanges = Mae 6 cholofn yn y cynllun cyffredinol ar gyfer cyfnewidiadau: dyddiad, rhoddwr, derbynnydd, oriau, categori, nodyn.
import-bad-date = Nid yw “{ $detail }” yn { $field } yn ddyddiad. Ysgrifennwch 2023-04-05 (blwyddyn, mis, diwrnod; mae amser ar ei ôl yn iawn) neu 05/04/2023 (diwrnod, mis, blwyddyn).
import-future-date = Mae { $detail } yn y dyfodol. Dim ond dyddiau a fu all fod yn hanes.
import-bad-hours = Nid yw “{ $detail }” yn nifer o oriau. Ysgrifennwch rif sy'n fwy na sero, gyda 2 le degol ar y mwyaf, fel 1.5.
import-too-precise = Mae mwy na 2 le degol yn “{ $detail }”. Ysgrifennwch oriau fel 1.25.
import-not-positive = Rhaid i'r oriau fod yn fwy na sero (“{ $detail }” ydyn nhw).
import-bad-id = Nid yw “{ $detail }” yn { $field } yn rhif aelod. Ysgrifennwch y rhif o'r hen system, 0 ar gyfer cyfrif y banc ei hun, neu god aelod Amser.
import-bank-account-as-member = Rhif 0 yw cyfrif y banc ei hun yn { "TimeOverflow" }, nid aelod. Gadewch y llinell honno allan o'r ffeil aelodau.
import-no-longer-there = Mae'r ffeil yn dweud “{ $detail }” yn { $field }, felly nid yw'n dweud pwy oedd yr aelod hwnnw. Gwnewch nhw'n weithgar eto yn { "TimeOverflow" } ac allforiwch eto, neu ysgrifennwch eu cod aelod Amser yno.
import-unknown-member = Nid yw aelod “{ $code }” yn { $field } yn y gofrestr. Mewnforiwch y ffeil aelodau yn gyntaf, neu ysgrifennwch eu cod aelod Amser.
import-other-bank = Mae { $code } yn { $field } yn aelod o fanc arall. Dim ond rhwng aelodau'r banc hwn y gellir mewnforio hanes.
import-not-active = Mae { $code } yn { $field } { $detail } ar hyn o bryd. Gwnewch nhw'n weithgar eto cyn mewnforio eu hanes.
import-same-member = Mae'r un aelod yn rhoi ac yn derbyn (“{ $code }”). Ni all neb dalu iddo'i hun.
import-duplicate-id = Mae rhif “{ $code }” ar linell { $count } yn barod. Rhowch bob aelod unwaith.
import-missing = Nid oes dim yn { $field }. Llenwch y golofn.
import-too-long = Mae { $chars } nod yn { $field }, a { $max } ar y mwyaf a dderbynnir. Byrhewch y testun.
import-control-character = Mae nod nad yw'n destun plaen yn { $field }. Defnyddiwch destun plaen.
import-bad-kind = Nid yw “{ $detail }” yn fath o aelod. Ysgrifennwch unigolyn, asiantaeth neu grŵp, neu gadewch ef yn wag ar gyfer unigolyn.
import-column-id = y rhif
import-column-name = yr enw
import-column-kind = y math
import-column-contact = y manylion cyswllt
import-column-joined = y dyddiad ymuno
import-column-date = y dyddiad
import-column-provider = rhif y rhoddwr
import-column-receiver = rhif y derbynnydd
import-column-hours = yr oriau
import-column-category = y categori
import-column-note = y nodyn
