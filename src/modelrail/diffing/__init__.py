"""``modelrail diff``: what a change does to the rendered manifests and to the
policy results, the repository at a base git ref against the working tree.

``core.diff`` builds a :class:`~modelrail.diffing.results.Result` (values only);
``text`` and ``markdown`` turn it into what a terminal or a pull-request
comment shows. ``snapshot`` materialises the base read-only (``git archive``
into a temporary folder), ``side`` renders and checks one side, ``compare``
lines the two up per resource, per model and per finding.
"""
