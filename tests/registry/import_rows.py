"""Rows and files the import tests share: an arrival list in the standard layout."""

from __future__ import annotations

import csv
import io

HEADERS = [
    "full_name",
    "sex",
    "birth_date",
    "nationality",
    "national_id_number",
    "home_area",
    "destination_country",
    "occupation",
    "started_on",
    "returned_on",
    "reason",
    "mode",
]
BUDI = {
    "full_name": "Budi Santoso",
    "sex": "M",
    "birth_date": "1990-05-12",
    "nationality": "ID",
    "national_id_number": "3507011205900002",
    "home_area": "35.07.12.2001",
    "destination_country": "SA",
    "occupation": "9111",
    "started_on": "2020-01-15",
    "returned_on": "2025-02-20",
    "reason": "early_termination",
    "mode": "assisted",
}
AGUS = {
    **BUDI,
    "full_name": "Agus Salim",
    "birth_date": "1988-11-30",
    "national_id_number": "3507013011880004",
    "home_area": "35.07.13.2001",
}


def csv_bytes(rows: list[dict[str, str]], headers: list[str] = HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({h: row.get(h, "") for h in headers})
    return out.getvalue().encode()
