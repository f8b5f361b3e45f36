"""Import and export: the domain's public entry points, one module each behind this one.

``import_linkedin_csv`` lives in linkedin_service.py (reading the file in linkedin_csv.py);
``export_json`` and the contacts CSV in export_service.py (its SQL in export_sql.py).
"""

from __future__ import annotations

from app.exchange.export_service import export_contacts_csv, export_filename, export_json
from app.exchange.linkedin_csv import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from app.exchange.linkedin_service import import_linkedin_csv
from app.exchange.schemas import ImportReport

__all__ = [
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "ImportReport",
    "export_contacts_csv",
    "export_filename",
    "export_json",
    "import_linkedin_csv",
]
