"""Git: one transport, and what modelrail reads from history."""
