"""The users `make dev` creates in its local user pool (Auth=cognito), and their one local password.

Local only: this pool lives in moto for one run of `make dev` and is never deployed. The README lists
the same users. Standard library only: `make token` imports it without SAM CLI's or the project's
environment.
"""

from __future__ import annotations

# Printed by make dev and in the README: it opens only this local pool.
PASSWORD = "Passw0rd!local"  # noqa: S105
# email -> the groups (of the template's AWS::Cognito::UserPoolGroup resources) the user is in
USERS: dict[str, tuple[str, ...]] = {
    "admin@example.com": ("admin",),
    "alice@example.com": (),
    "bob@example.com": (),
}
