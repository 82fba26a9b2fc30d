"""Level 08: the earlier levels wired together: two-stage training and one end-to-end script."""
