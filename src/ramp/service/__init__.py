"""The service layer: what both HTTP faces (the API and the dashboard) stand on.

The `Service` object (journal, identities, group commit, clocks), the approvals and login
wiring (`Governance`), who may read and do what (`access`), sessions and their audit
(`sessions`), HTTP plumbing both faces share (`http`), the one table from a refusal's kind to
an HTTP status (`refusals`), the read models a running service keeps (`projections`) and the
service's own timed work (`expiry`). It imports the domain below it, never `api` or `web`.
"""

from ramp.service.core import Service
from ramp.service.governance import Governance, governance

__all__ = ["Governance", "Service", "governance"]
