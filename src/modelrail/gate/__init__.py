"""``modelrail gate``: evidence before a version enters an environment.

A spec's numbers are claims; the gate reads the systems that hold the
evidence. The source environment's Prometheus says whether the candidate
version met the target's SLOs over the soak window (``slo``, ``prometheus``);
the MLflow registry says whether the version is what the spec deploys and
whether its run's metrics pass the quality gate (``model``, ``registry``).
``transport`` is the HTTP under both, ``inputs`` what a run measures, ``run``
puts them together, ``evidence`` holds the values and verdicts and ``report``
formats them, ``intoto`` as an in-toto Statement to sign (docs/attestation.md). See docs/gate.md.
"""
