## Cynigion a cheisiadau
nav-listings = Cynigion a cheisiadau
listings-title = Cynigion a cheisiadau
listings-requests = Ceisiadau am help
listings-offers = Cynigion o help
listings-none = Dim un ar agor ar hyn o bryd.
listings-back = Yn ôl i'r cynigion a'r ceisiadau
listing-member = Aelod
listing-posted = Postiwyd
listing-posted-by = Postiwyd gan
listing-description = Disgrifiad
listing-category = Categori
listing-actions = Beth gallwch ei wneud
listing-status = Statws
listing-status-open = ar agor
listing-status-closed = wedi cau
listing-kind = Cynnig neu gais
listing-kind-offer = Cynnig
listing-kind-request = Cais
listing-help-link = Pwy allai helpu
listing-open-link = Ei weld
listing-new-title = Postio cynnig neu gais
listing-new-kind-offer = Cynnig: “Gallaf helpu gyda…”
listing-new-kind-request = Cais: “Mae angen help arnaf gyda…”
listing-for-member = Ar gyfer pa aelod
listing-category-hint = Gair neu ddau, fel “garddio” neu “trwsio beiciau”.
listing-description-hint = Beth a gynigir neu sydd ei angen, a phryd. Peidiwch â rhoi manylion cyswllt yma: gall aelodau'r banc ei ddarllen.
listing-post-button = Postio
listing-posted-notice = Wedi'i bostio.
listing-closed-notice = Wedi'i gau.
listing-close-button = Cau
listing-close-label = Cau “{ $category }”
listing-choose-kind = Dewiswch ai cynnig neu gais yw hwn.
listing-choose-member = Dewiswch yr aelod y mae ar ei gyfer.
listing-category-needed = Rhowch gategori, fel “garddio”.
listing-description-needed = Dywedwch beth a gynigir neu sydd ei angen.
listing-not-yours = Dim ond eich cynigion a'ch ceisiadau eich hun y gallwch eu cau.

## Pwy allai helpu gyda chais
helpers-title = Pwy allai helpu
helpers-explained = Aelodau gweithgar y mae eu sgiliau neu eu cynigion agored yn rhannu gair â chategori neu ddisgrifiad y cais hwn. Cymherir geiriau heb ystyried priflythrennau, lluosog Saesneg na'r terfyniad “-ing”.
helpers-none = Nid oes gan unrhyw aelod gweithgar sgil neu gynnig sy'n rhannu gair â'r cais hwn. Chwiliwch y gofrestr yn ôl sgil, neu holwch o gwmpas.
helpers-count = { $count ->
    [zero] Ni allai neb helpu.
    [one] Gallai un aelod helpu.
    [two] Gallai dau aelod helpu.
    [few] Gallai { $count } aelod helpu.
    [many] Gallai { $count } aelod helpu.
   *[other] Gallai { $count } o aelodau helpu.
}
helper-skill = sgiliau: “{ $what }” (yn cyfateb ar { $words })
helper-offer = cynnig: “{ $what }” (yn cyfateb ar { $words })
