"""Delegate registration: the form, policies, seats and waiting list, offer codes, the desk."""
