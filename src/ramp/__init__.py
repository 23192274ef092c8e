"""RAMP: the Rapid Allocation and Monitoring Platform.

A ring-fenced public budget run as programmable digital yen on a double-entry ledger whose
every movement is provable. The layers, top to bottom: cli/api -> domain -> numscript ->
ledger engine -> journal (store + verifiable log). Lower layers never import higher ones.
"""

__version__ = "0.1.0"
