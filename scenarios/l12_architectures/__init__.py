"""Level 12 checks: VGG blocks, residual networks, Inception modules."""
