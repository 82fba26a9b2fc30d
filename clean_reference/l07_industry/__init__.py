"""Level 07: the full pipeline: seeding, a seeded split, early stopping, best-model saving, LR schedules."""
