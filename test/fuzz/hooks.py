"""schemathesis hooks of `npm run test:fuzz` (loaded through SCHEMATHESIS_HOOKS by test/fuzz/api-fuzz.ts)."""

import schemathesis


@schemathesis.check
def only_worker_unavailable_503(ctx, response, case):
    """schemathesis.toml lets 503 through not_a_server_error for one reason only: no worker serves the fuzz run's
    queue. Any other 503 (Temporal or PostgreSQL unavailable, a closing server) fails the run."""
    if response.status_code != 503:
        return None
    try:
        code = (response.json().get("error") or {}).get("code")
    except ValueError:
        code = None
    if code != "worker_unavailable":
        raise AssertionError(f"503 with error code {code!r}; only 'worker_unavailable' is expected in this run")
    return None
