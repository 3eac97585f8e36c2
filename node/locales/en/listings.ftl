## Offers and requests
nav-listings = Offers and requests
listings-title = Offers and requests
listings-requests = Requests for help
listings-offers = Offers of help
listings-none = None open just now.
listings-back = Back to the offers and requests
listing-member = Member
listing-posted = Posted
listing-posted-by = Posted by
listing-description = Description
listing-category = Category
listing-actions = What you can do
listing-status = Status
listing-status-open = open
listing-status-closed = closed
listing-kind = Offer or request
listing-kind-offer = Offer
listing-kind-request = Request
listing-help-link = Who could help
listing-open-link = See it
listing-new-title = Post an offer or a request
listing-new-kind-offer = An offer: “I can help with…”
listing-new-kind-request = A request: “I need help with…”
listing-for-member = For which member
listing-category-hint = One or two words, such as “gardening” or “bike repair”.
listing-description-hint = What is offered or needed, and when. Do not put contact details here: the bank's members can read it.
listing-post-button = Post it
listing-posted-notice = Posted.
listing-closed-notice = Closed.
listing-close-button = Close
listing-close-label = Close “{ $category }”
listing-choose-kind = Choose whether this is an offer or a request.
listing-choose-member = Choose the member it is for.
listing-category-needed = Give a category, such as “gardening”.
listing-description-needed = Say what is offered or needed.
listing-not-yours = You can only close your own offers and requests.

## Who could help with a request
helpers-title = Who could help
helpers-explained = Active members whose skills or open offers share a word with this request's category or description. Words are compared ignoring capital letters, a plural “s” and an “-ing”.
helpers-none = No active member's skills or offers share a word with this request. Search the register by skill, or ask around.
helpers-count = { $count ->
    [zero] No member could help.
    [one] One member could help.
   *[other] { $count } members could help.
}
helper-skill = skills: “{ $what }” (matching { $words })
helper-offer = offer: “{ $what }” (matching { $words })
