"""The learner's side: workspace folders, the progress record, serving rounds, hints,
briefs, watching a file, and practice aimed at the classes a learner misses."""
