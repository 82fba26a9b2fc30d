"""The trusted side of grading: checks, examples, the reference's observations, verdicts."""
