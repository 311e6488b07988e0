"""Reports #41 to #60 (issue 17)."""
