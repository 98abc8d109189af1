from . import test_catalogue
from . import test_milestone_invoicing
