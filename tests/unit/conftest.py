"""Make each addon's pure modules (``<addon>/tools``) importable without Odoo.

The addons' ``__init__`` imports Odoo models; the pure computations live in
``<addon>/tools`` and import nothing from Odoo. We register each addon as a bare
package whose ``__init__`` is not executed, so ``import icasa_ev_billing.tools.split``
runs only the pure code.
"""

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

for addon in ("icasa_ev_billing", "icasa_ev_subscription", "icasa_partner_invoicing"):
    if addon not in sys.modules:
        pkg = types.ModuleType(addon)
        pkg.__path__ = [str(ROOT / addon)]
        sys.modules[addon] = pkg

# Property tests are judged on their results, never on their speed: a loaded
# 2-core CI machine must not turn a slow example into a failure.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("icasa", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("icasa")
