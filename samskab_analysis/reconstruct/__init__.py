"""The published statements to a count table with provenance per cell (stated / derived / assumed)."""
