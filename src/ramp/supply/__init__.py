"""Supply chain: GS1 EPCIS 2.0 events of procured parts, captured into the log as records, the
provenance of every EPC read back from them, and the flags (a cloned serial, a receipt without
a shipment) that oversight follows up."""
