"""Presenters, chairs and moderators: one profile per person across all events."""
