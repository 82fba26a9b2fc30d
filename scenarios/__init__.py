"""Per reference module: metadata (`<module>.toml`) beside its checks (`<module>.py`)."""
