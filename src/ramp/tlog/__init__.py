"""Verifiable log primitives: RFC 6962/9162 Merkle trees and the C2SP formats built on them.

Pure modules (merkle, note, checkpoint, cosignature, tiles) do no I/O; witness and
witness_cli add the tlog-witness HTTP service on top.
"""
