"""``modelrail verify``: a gate's in-toto Statement against a checkout.

``parse`` reads a Statement (``gate --format intoto``) and validates it with
the vendored in-toto Statement v1 schema; ``subjects`` recomputes what it
names, the model artifact's digest from the spec and the rendered app's
folder digest from ``rendered/``, and compares. The signature is not
checked here: ``gh attestation verify`` does that. See docs/attestation.md.
"""
