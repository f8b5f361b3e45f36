"""Whole-account import: a JSON export read back into an empty account, every link kept."""
