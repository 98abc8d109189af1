from . import test_payer_routing
from . import test_consolidation_and_credit
from . import test_portal
from . import test_self_billing
from . import test_self_billing_random_lifecycle
from . import test_tours
from . import test_partner_pdf
