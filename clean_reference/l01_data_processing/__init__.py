"""Level 01: tensors and datasets, the shapes and devices every later level relies on."""
