"""Level 02: building models from parts: concatenation, conditioning, encoder and decoder."""
