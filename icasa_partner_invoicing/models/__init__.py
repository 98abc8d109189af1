from . import icasa_partner_agreement
from . import icasa_payer_split_rule
from . import res_partner
from . import sale_order_template
from . import sale_order
from . import account_move
from . import icasa_subscription_period
from . import icasa_subscription_billing
