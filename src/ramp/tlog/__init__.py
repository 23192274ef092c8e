"""Verifiable log primitives: RFC 6962/9162 Merkle trees and the C2SP formats built on them.

Pure, I/O-free: merkle (hashing, proofs, TreeBuilder), note (signed-note), checkpoint,
cosignature, tiles. With I/O: keys (0600 key files), witness_state (SQLite), witness
(tlog-witness HTTP service and client) and witness_cli (`ramp witness`).
"""
