"""Who did what to which object of which event, and when."""
