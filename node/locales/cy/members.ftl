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
status-moved = wedi symud i fanc arall
erased-member = aelod wedi'i ddileu { $code }
erased-text = (wedi'i ddileu)

## Fy nghyfrif (tudalen aelod ei hun)
my-balance = Eich balans
my-balance-explained = Yr oriau rydych wedi'u rhoi, llai'r oriau rydych wedi'u derbyn.

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
