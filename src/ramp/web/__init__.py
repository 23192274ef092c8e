"""The web dashboard: server-rendered pages over the budget and activity read models, static
assets built into the package, the live feed, and in-browser verification of log proofs.
See docs/dashboard.md."""
