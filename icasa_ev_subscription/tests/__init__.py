from . import test_subscription_billing
from . import test_subscription_lifecycle
from . import test_subscription_cron
from . import test_subscription_skip_locked
from . import test_subscription_activation
from . import test_subscription_standard_invoicing
from . import test_subscription_reopen
from . import test_subscription_views
