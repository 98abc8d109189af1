from . import credit
from . import payers
from . import revenue_share
