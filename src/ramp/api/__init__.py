"""The HTTP layer: thin routes that parse, authorise, hand to the domain and render."""
