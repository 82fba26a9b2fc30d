"""Checks for level 02: concatenation, conditioning, encoder and decoder."""
