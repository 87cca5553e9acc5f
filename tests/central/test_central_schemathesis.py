"""schemathesis against the served /v1/openapi.json: no 5xx, every response matches its schema.

Every operation gets a bounded number of generated requests, valid and invalid, sent over real HTTP
with a real terminal or beneficiary token, so the bodies reach the business rules instead of
stopping at 401. Bounded so it stays well under a minute per database.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from support.api import Client, Terminal

EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 6}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def fuzz(operation, mode: GenerationMode, base_url: str, bearer: Callable[[], str]) -> None:
    """Send EXAMPLES[mode] generated requests to one operation; raises on the first failure."""

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        case.call_and_validate(
            base_url=base_url,
            headers={"Authorization": f"Bearer {bearer()}"},
            checks=CHECKS,
            timeout=30,
        )

    run()


def test_every_operation_against_its_schema(central, api: Client, l212: Terminal) -> None:
    schema = schemathesis.openapi.from_url(central.url + "/v1/openapi.json")
    beneficiary = api.beneficiary("23166621")
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 23

    for operation in operations:
        path, method = operation.path, operation.method.upper()
        bearer: Callable[[], str]
        if path.startswith("/v1/beneficiary/") and path != "/v1/beneficiary/session":
            bearer = lambda: beneficiary.token  # noqa: E731
        elif method == "DELETE":
            # Un-enrolment revokes the token: a fresh terminal for each example.
            bearer = lambda: api.enrol("L212", label="schemathesis").token  # noqa: E731
        else:
            bearer = lambda: l212.token  # noqa: E731
        for mode in EXAMPLES:
            try:
                fuzz(operation, mode, central.url, bearer)
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing to get wrong in GET /v1/health
            except (Exception, BaseExceptionGroup) as exc:  # report every failure, not the first
                failures.append(f"{method} {path} [{mode}]: {exc}"[:3000])

    if failures:
        pytest.fail("\n\n".join(failures))
