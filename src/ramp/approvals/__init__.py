"""Approval requests: money and powers move only on the signed decisions of the right people.

`model` names the records, limits and codes; `actions` what a request asks for and the ledger
commands that carry it out; `quorum` the counting rule (shared with `ramp verify`); `desk` the
planners that create, decide and execute requests under the journal's write lock; `index`
the committed read model the API lists from.
"""
