"""Level 05: training for epochs with validation, a backbone with a head, and checkpoints."""
