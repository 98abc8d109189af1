from . import icasa_asset_type
from . import icasa_installed_asset
from . import product_template
