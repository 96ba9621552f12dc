"""Bulk import of arrival lists and return reports (docs/imports.md)."""
