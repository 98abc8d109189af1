from . import icasa_credit_wizard
