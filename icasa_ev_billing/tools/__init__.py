# Pure computations without any Odoo import; see split.py and schedule.py.
