"""Rendering specs into the Kubernetes manifests Argo CD syncs.

``inputs`` loads and validates, ``facts`` works out the values, ``templating``
runs the sandboxed templates of ``render/templates/``, ``renderer`` plans,
renders, parses back and validates, ``tree`` writes or compares the output.
"""
