"""Google Contacts: the CSV that contacts.google.com exports, read as contacts."""
