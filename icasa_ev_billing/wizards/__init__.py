from . import icasa_milestone_reach_wizard
from . import icasa_instalment_wizard
from . import sale_make_invoice_advance
