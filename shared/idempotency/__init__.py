"""Idempotency-Key on POSTs that create or pay (ARCHITECTURE: idempotent commands), in the
owning service, the way Stripe does it: a repeat of a request with the same key returns the
first response (status and body); the same key with another request is refused (422
`idempotency_key_reused`); a duplicate that arrives while the first is still running waits for
it and returns its response (409 `idempotency_in_progress` if it runs longer than the wait).

Keys belong to one customer account: (CSN, key). They are kept `ttl` (24 h at least), then
purged by a periodic job. What is kept is what the handler answered once it ran — success or
a business refusal — but not a request refused before it ran (401, 403, 422 `invalid_request`,
429) nor a crash (5xx): those leave no trace, and the same key may be used again.

A request holds its key under a lease; if its process dies before recording the response, the
key is taken over once the lease ends and the request runs again — the services' own state
guards (an invoice is charged at most once) are the second line of defence there.
"""
