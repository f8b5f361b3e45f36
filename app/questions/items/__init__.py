"""The questions of a bank: add, edit, delete and reorder them (banks are app.questions)."""
