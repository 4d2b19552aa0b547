"""``check``: evaluate a repository's files and report."""
