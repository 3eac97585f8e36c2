# Consol gwe Amser, yn Gymraeg: un ffeil i bob rhan o'r consol
# (node/locales/cy/*.ftl), a gefeilles Saesneg o'r un enw i bob un yn
# node/locales/en/ gyda'r un negeseuon (mae node/src/console/i18n.rs yn
# profi hynny). Ni chaiff enwau banciau,
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

## Gwallau
error-title = Aeth rhywbeth o'i le
error-not-found = Nid oes tudalen o'r fath.
error-forbidden = Ni all eich cyfrif weld y dudalen hon.
error-unknown-member = Nid oes aelod â'r cod hwnnw.
error-storage = Ni ellir darllen cofnodion y banc ar hyn o bryd. Rhowch gynnig arall arni ymhen munud; os yw'n parhau, dywedwch wrth y person sy'n gofalu am y nod.
back-to-dashboard = Yn ôl i'r dangosfwrdd
