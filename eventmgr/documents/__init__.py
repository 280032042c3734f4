"""Printable documents rendered with WeasyPrint."""
