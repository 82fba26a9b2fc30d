"""Checks for level 05: training for epochs with validation, backbone and head, checkpoints."""
