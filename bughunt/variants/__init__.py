"""Making rounds out of the reference: mutants, variants, their dressing, and the analysis
of which ones the checks kill. Needs libcst, except `manifest` (what a variant folder
records) and `difficulty` (whose one libcst use is imported when called): `check` never
imports libcst, and `submit` only once a round is solved (to show the fix in the round's
disguise) or to count what is left of a round with several bugs (tests/cli/test_submit_imports.py)."""
