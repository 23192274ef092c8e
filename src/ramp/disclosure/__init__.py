"""Disclosure: who may read which event, and what the public can check without reading any."""
