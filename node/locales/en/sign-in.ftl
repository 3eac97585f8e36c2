## Signing in
sign-in-title = Sign in to { $bank }
sign-in-name = Your name
sign-in-password = Password
sign-in-button = Sign in
sign-in-failed = That name and password do not match. Check them and try again.
sign-in-throttled = Too many tries. Wait { $minutes ->
    [one] one minute
   *[other] { $minutes } minutes
} and try again, or ask your coordinator to send you a new sign-in link.
sign-in-disabled = This account has been disabled. Ask your coordinator.
signed-out = You have signed out.
form-expired = This form has expired. Please try again.

## Setting a password from a sign-in link
welcome-title = Welcome to { $bank }
welcome-intro = Hello { $name }. Choose a password to finish setting up your account.
welcome-password = New password
welcome-password-hint = At least { $min } characters. A few words you will remember make a good one.
welcome-confirm = The same password again
welcome-button = Save my password
welcome-mismatch = The two passwords are not the same. Type them again.
welcome-too-short = The password is too short: it needs at least { $min } characters.
welcome-too-long = The password is too long: it may have at most { $max } characters.
welcome-link-gone = This sign-in link has been used or has expired. Ask your coordinator for a new one.
