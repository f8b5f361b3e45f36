"""Fault and load runs against a real `rapport serve` (issue 16): results in bench/FAULTS.md."""
