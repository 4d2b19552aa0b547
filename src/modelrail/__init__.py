"""modelrail: GitOps guard-rails that take machine-learning models to production."""

__version__ = "0.1.0"
