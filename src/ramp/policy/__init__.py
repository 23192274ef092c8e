"""Identities, roles, request signatures and (later) approvals and policy."""
