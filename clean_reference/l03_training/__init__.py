"""Level 03: one epoch of training, the step every later level reuses."""
