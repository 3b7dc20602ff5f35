"""A respondent file to validated answers, one module per step: files (bytes → grid) → table (grid → header and rows)
→ columns (which column is which item) → answers (cell → category id) → responses (the sequence) → counts."""
