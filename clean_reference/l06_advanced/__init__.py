"""Level 06: advanced patterns: several inputs, clipping, accumulation, AMP, checkpointing, paths."""
