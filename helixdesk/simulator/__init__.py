"""The HelixDesk simulator: episode tape, deterministic dynamics, event log."""
