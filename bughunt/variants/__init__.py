"""Making rounds out of the reference: mutants, variants, their dressing, and the analysis
of which ones the checks kill. Needs libcst; `check` and `submit` never import it."""
