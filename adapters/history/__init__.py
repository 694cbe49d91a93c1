"""Readers over the event stream: the audit timeline, delivery stats, export/import, schemas.

The computations (`decisions`, `causes`, `revisions`, `phases`, `timeline`, `stats`,
`transfer`, `schema`) are pure functions of stored events, so they are tested on simulated
histories without a server; only `inputs` and `restore` talk to NATS.
"""
