## Banciau eraill (tudalen y ffederasiwn)
nav-federation = Banciau eraill
federation-title = Banciau eraill
federation-explained = Y banciau y mae'r banc hwn wedi'u derbyn, faint o linell ymddiriedaeth pob un sy'n cael ei defnyddio, a'r trosglwyddiadau gyda'u haelodau.
federation-banks = Banciau a dderbyniwyd
federation-no-banks = Nid oes banc arall wedi'i dderbyn eto.
federation-presence = Cysylltiad
federation-online = Ar-lein nawr
federation-offline-since = All-lein; fe'i gwelwyd ddiwethaf ar { $date }
federation-never-seen = All-lein; heb ei weld ers iddo gael ei dderbyn
federation-line = Llinell
federation-open = Ar agor
federation-frozen = Wedi'i rhewi: dim trosglwyddiadau i'r naill gyfeiriad na'r llall
federation-trust = Defnydd o'r llinell ymddiriedaeth
federation-line-used = { $owed } o { $trust } awr wedi'u defnyddio ({ $percent }%)
federation-position = Sefyllfa glirio
federation-position-even = Cyfartal: nid oes gan aelodau'r naill fanc ddyled i aelodau'r llall
federation-position-they-owe = Mae gan eu haelodau nhw ddyled o { $hours } awr i'n haelodau ni
federation-position-we-owe = Mae gan ein haelodau ni ddyled o { $hours } awr i'w haelodau nhw
federation-waiting = Yn aros am ateb
federation-pending = { $count ->
    [zero] Dim trosglwyddiadau
    [one] Un trosglwyddiad
    [two] Dau drosglwyddiad
    [few] { $count } throsglwyddiad
    [many] { $count } throsglwyddiad
   *[other] { $count } o drosglwyddiadau
}
federation-bank-id = Dynodydd y banc
federation-freeze-link = Rhewi'r llinell gyda { $bank }
federation-unfreeze-link = Dadrewi'r llinell gyda { $bank }
federation-transfers = Trosglwyddiadau gyda banciau eraill
federation-transfers-caption = Trosglwyddiadau gyda banciau eraill, y diweddaraf yn gyntaf
federation-no-transfers = Dim trosglwyddiadau eto.
federation-other-bank = Banc arall
federation-our-member = Ein haelod
federation-direction = Beth ddigwyddodd
federation-direction-received = Wedi derbyn help
federation-direction-gave = Wedi rhoi help
federation-their-member = Eu haelod
federation-state = Cyflwr
federation-newest = Y trosglwyddiadau diweddaraf
federation-older = Trosglwyddiadau hŷn
transfer-state-pending = Yn aros am y banc arall
transfer-state-accepted = Derbyniwyd
transfer-state-refused = Gwrthodwyd
transfer-refused-unknown-payee = Nid oes gan y banc arall aelod â'r cod hwnnw.
transfer-refused-payee-not-active = Nid yw'r aelod hwnnw o'r banc arall yn weithgar.
transfer-refused-trust-full = Roedd y llinell ymddiriedaeth yn llawn: roedd gan ein haelodau ddyled o { $owed } eisoes, o'r { $trust } awr y mae'n eu caniatáu.
transfer-refused-over-maximum = Mwy na'r { $limit } awr y caiff un trosglwyddiad gyda'r banc hwnnw eu cario.
transfer-refused-payee-ceiling = Byddai'r aelod hwnnw o'r banc arall yn mynd dros ei derfyn uchaf.
transfer-refused-frozen = Roedd y llinell rhwng y ddau fanc wedi'i rhewi.
transfer-refused-malformed = Ni allai'r banc arall ei dderbyn (er enghraifft, nid yw ei gategori yn un y mae'r ffederasiwn yn ei rannu).
transfer-refused-clearing-too-large = Nid oes gan un o'r banciau ar y cylch ddigon o ddyled ar gyfer y clirio hwn.
transfer-refused-clearing-declined = Mae un o'r banciau ar y cylch wedi gwrthod clirio.

## Rhewi a dadrewi llinell
federation-unknown-bank = Nid oes banc wedi'i dderbyn â'r dynodydd hwnnw.
federation-freeze-question = Rhewi'r llinell gyda { $bank }?
federation-freeze-explained = Tra bydd wedi'i rhewi, ni fydd trosglwyddiadau'n mynd i'r naill gyfeiriad na'r llall rhwng y banc hwn a { $bank }: caiff cyfnewidiadau gyda'i aelodau eu gwrthod. Mae'r trosglwyddiadau a dderbyniwyd eisoes yn aros fel y maent. Gallwch ei dadrewi unrhyw bryd.
federation-freeze-button = Ie, rhewi'r llinell
federation-unfreeze-question = Dadrewi'r llinell gyda { $bank }?
federation-unfreeze-explained = Bydd modd gwneud trosglwyddiadau gydag aelodau { $bank } eto, o fewn y llinell ymddiriedaeth.
federation-unfreeze-button = Ie, dadrewi'r llinell
federation-cancel = Na, yn ôl
federation-frozen-notice = Mae'r llinell gyda { $bank } wedi'i rhewi: ni fydd trosglwyddiadau'n mynd i'r naill gyfeiriad na'r llall nes i chi ei dadrewi.
federation-unfrozen-notice = Mae'r llinell gyda { $bank } ar agor eto.
