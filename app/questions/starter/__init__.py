"""The starter banks shipped with the app (app/questions/starter_banks.json)."""
