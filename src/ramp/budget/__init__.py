"""The budget domain: Japan's budget lifecycle (財政法, 会計法) on the ledger.

`structure` and `model` say what a fiscal year's budget tree is and where it lives on the
ledger; `operations` turns an intention (issue, allot, obligate, 流用, carry over, close, ...)
into one linked chain of ledger commands after `rules` and `availability` allowed it;
`projection` folds the journal into the budget tree that `queries`, the CLI and the API read.
"""
