# Amser's web console, in English: one file per part of the console
# (node/locales/en/*.ftl), each with a Welsh twin of the same name in
# node/locales/cy/ holding the same message ids (node/src/console/i18n.rs
# tests that). Bank, place and member names are never translated: they are
# passed in as written.

app-name = Amser
skip-to-content = Skip to the main content
language-name = English
other-language = Cymraeg
choose-language = Language

## Navigation
nav-dashboard = Dashboard
nav-members = Members
nav-my-account = My account
nav-sign-out = Sign out
signed-in-as = Signed in as { $name } ({ $role })
role-coordinator = coordinator
role-viewer = viewer
role-member = member

## Errors
error-title = Something went wrong
error-not-found = There is no such page.
error-forbidden = Your account cannot see this page.
error-unknown-member = There is no member with that code.
error-storage = The bank's records cannot be read just now. Try again in a minute; if it goes on, tell the person who looks after the node.
back-to-dashboard = Back to the dashboard
