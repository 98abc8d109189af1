from . import test_catalogue
from . import test_milestone_invoicing
from . import test_milestone_refusals
from . import test_field_technician
from . import test_instalments_and_report
from . import test_milestone_companies
from . import test_standard_invoicing_wizard
