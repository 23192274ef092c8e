"""Request signing: HTTP Message Signatures (RFC 9421, ed25519) over RFC 8941 structured fields.

Low and pure, so the server, the client and the benchmarks share one implementation.
"""
