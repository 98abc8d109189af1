from . import icasa_subscription_close_wizard
from . import sale_make_invoice_advance
