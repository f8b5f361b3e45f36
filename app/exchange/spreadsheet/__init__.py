"""Any CSV of contacts (a spreadsheet kept by hand): columns mapped to contact fields."""
