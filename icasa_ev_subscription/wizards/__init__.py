from . import icasa_subscription_close_wizard
