"""The untrusted side of grading: a process that loads a candidate and answers observations."""
