"""vCard: contacts written as address-book cards, and cards read as contacts."""
