"""Import of LinkedIn connections (a Connections.csv export) as contacts."""
