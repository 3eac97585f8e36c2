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
