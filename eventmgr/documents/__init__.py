"""Outcome documents (drafting, review, versions) and everything printed with WeasyPrint: pdf.py is the one renderer."""
