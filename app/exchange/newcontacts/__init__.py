"""Contacts arriving from an imported file, whatever its format."""
