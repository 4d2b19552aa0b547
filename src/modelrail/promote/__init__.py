"""``promote``: edit, create and describe a promotion."""
