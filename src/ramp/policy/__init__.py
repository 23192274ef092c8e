"""Identities (organisations, roles, keys and their rotation and revocation), the Cedar
policy as data, and the policy in force."""
