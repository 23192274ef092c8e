"""Crypto-mining operators under a regulator: a registry of operators and their sites, signed
periodic reports (energy, renewable share, emissions by scope, hashrate, uptime, heat reuse)
and transaction-log disclosures, each a record answered with a receipt verifiable offline."""
