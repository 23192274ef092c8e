"""Milestone contracts: money held in escrow from signing, released the moment a milestone's
attestations meet its rule (docs/contracts.md).

`terms` is the contract as data and its checks; `state` folds a contract's records; `desk`
plans every change under the journal's write lock; `views` answers the read API; `index`
is the committed list of contracts by vendor.
"""
