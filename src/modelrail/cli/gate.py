"""``modelrail gate``: evidence before a version enters an environment."""

from __future__ import annotations

import datetime
import os
from typing import TYPE_CHECKING

import click

from modelrail.cli.options import output_option, root_option
from modelrail.gate.report import FORMATS

if TYPE_CHECKING:
    from pathlib import Path


def _at(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> datetime.datetime | None:
    if value is None:
        return None
    from modelrail.gate.inputs import parse_at

    try:
        return parse_at(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time; write 2026-11-21T08:00:00Z",
            ctx=ctx,
            param=param,
        ) from None


@click.command("gate")
@click.argument("model")
@click.option(
    "--env",
    "-e",
    "environment",
    required=True,
    metavar="ENV",
    help="The environment the version is about to enter (e.g. prod).",
)
@click.option(
    "--prometheus",
    metavar="URL",
    help="Prometheus of the promotion source (default: its environment file's "
    "spec.monitoring.prometheus). Token: MODELRAIL_PROMETHEUS_TOKEN.",
)
@click.option(
    "--registry",
    metavar="URL",
    help="The MLflow registry (default: ENV's spec.modelRegistry.url). Token: "
    "MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and _PASSWORD.",
)
@click.option(
    "--window",
    metavar="DURATION",
    help="How far back the SLO record is read, such as 24h (default: ENV's "
    "promotion.soak, else 24h).",
)
@click.option(
    "--at",
    metavar="TIME",
    callback=_at,
    help="The end of the window, ISO 8601 such as 2026-11-21T08:00:00Z "
    "(default: now); fixes a run so it can be reproduced.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a pull-request comment, json for "
    "an attestation, intoto for an in-toto Statement to sign (docs/attestation.md).",
)
@output_option
@root_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds to wait for a connection, and for an answer.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0, max=10),
    default=3,
    show_default=True,
    help="Attempts after the first on connection errors, 429 and 5xx answers.",
)
@click.option(
    "--backoff",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    help="Seconds before the first retry, doubled for each next one (0: none).",
)
@click.option(
    "--compare",
    is_flag=True,
    help="Judge the candidate against the stable version serving beside it in "
    "ENV itself (ENV's Prometheus; window default 1h), statistically, instead "
    "of the promotion source's record. See docs/gate.md.",
)
@click.option(
    "--candidate-version",
    metavar="VERSION",
    help="--compare: the candidate's version label (default: ENV's spec.model.version).",
)
@click.option(
    "--stable-version",
    metavar="VERSION",
    help="--compare: the stable's version label (default: every other version).",
)
@click.option(
    "--canary-hash",
    metavar="HASH",
    help="--compare by pod template hash (rollouts_pod_template_hash): the "
    "canary's; with --stable-hash.",
)
@click.option("--stable-hash", metavar="HASH", help="--compare: the stable's hash.")
@click.option(
    "--alpha",
    type=click.FloatRange(min=0, max=0.5, min_open=True),
    default=0.05,
    show_default=True,
    help="--compare: the family-wise false-positive rate (Holm-Bonferroni).",
)
@click.option(
    "--min-requests",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="--compare: requests (and latency observations) needed on each side; "
    "fewer is inconclusive.",
)
@click.pass_context
def gate_cmd(
    ctx: click.Context,
    model: str,
    environment: str,
    prometheus: str | None,
    registry: str | None,
    window: str | None,
    at: datetime.datetime | None,
    fmt: str,
    output: Path | None,
    root: Path | None,
    timeout: float,
    retries: int,
    backoff: float,
    compare: bool,
    candidate_version: str | None,
    stable_version: str | None,
    canary_hash: str | None,
    stable_hash: str | None,
    alpha: float,
    min_requests: int,
) -> None:
    """Check a version's evidence before it enters ENV.

    The SLO record of MODEL's candidate version (ENV's spec) in ENV's
    promotion source, from its Prometheus: availability, error rate and p95
    latency over the window, against ENV's SLOs. The version in the MLflow
    registry: its source is the spec's artifact, the spec's metrics are the
    run's, the quality metric reaches 95 % of the baseline's, and the spec's
    own gates. See docs/gate.md.

    With --compare: the candidate against the stable version where both
    run, in ENV: error ratio, latency distribution, online quality and
    business metrics, each pass, marginal, fail or inconclusive.

    Exit codes: 0 every item met (or marginal), 1 an item missed (failed) or
    without data, 2 bad input or an evidence source that cannot be read, 4
    inconclusive (--compare: too little data yet).
    """
    from modelrail import __version__
    from modelrail.gate import auth, inputs, intoto
    from modelrail.gate.report import INTOTO, REPORTS
    from modelrail.gate.run import run
    from modelrail.gate.transport import Settings
    from modelrail.repository.layout import repository
    from modelrail.repository.writer import write_atomic

    hashes = (canary_hash, stable_hash)
    if not compare and any((candidate_version, stable_version, *hashes)):
        raise click.UsageError("the version and hash options go with --compare")
    if any(hashes) and not all(hashes):
        raise click.UsageError("give both --canary-hash and --stable-hash")
    if all(hashes) and (candidate_version or stable_version):
        raise click.UsageError("compare by versions or by hashes, not both")
    if at is None:
        at = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    repo = repository(root)
    resolved = inputs.resolve(
        repo,
        model,
        environment,
        at=at,
        window=window,
        prometheus=prometheus,
        registry=registry,
        compare=compare,
    )
    # read before the sources are: an app that is not rendered is bad input
    found = intoto.digests(repo, resolved) if fmt == INTOTO else None
    settings = Settings(timeout=timeout, retries=retries, backoff=backoff)
    if compare:
        from modelrail.gate.run import compare as compare_sides
        from modelrail.gate.sidebyside import HASH, Sides, by_version
        from modelrail.gate.significance import Limits

        sides = (
            Sides(HASH, canary_hash, stable_hash)
            if canary_hash and stable_hash
            else by_version(resolved, candidate_version, stable_version)
        )
        limits = Limits(alpha=alpha, min_requests=min_requests)
        result = compare_sides(
            resolved,
            sides,
            limits,
            settings,
            prometheus_auth=auth.prometheus(os.environ),
            charts=fmt == "markdown",  # only the Markdown draws them
        )
    else:
        result = run(
            resolved,
            settings,
            prometheus_auth=auth.prometheus(os.environ),
            registry_auth=auth.mlflow(os.environ),
            charts=fmt == "markdown",
        )
    if found is not None:
        text = intoto.as_statement(result, __version__, found)
    else:
        text = REPORTS[fmt](result, __version__)
    if output is not None:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
    # The text report ends with each error already; printed on stdout, it is
    # what a terminal or a CI log shows, so repeating the errors on stderr
    # showed each twice. Elsewhere (a file, JSON or Markdown captured for an
    # attestation or a comment) stderr is where a reader sees them.
    if output is not None or fmt != "text":
        for message in result.errors:
            click.echo(f"error: {message}", err=True)
    ctx.exit(result.exit_code)
