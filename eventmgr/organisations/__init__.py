"""Organisations: border agencies, ministries, international organisations, programmes."""
