"""The track's correct code: one package per level, one topic per module."""
