"""Pure computations of the subscription engine: no Odoo import here.

periods: the period grid of a plan; prorata: shares of a period by days;
pricing: prices over time (steps, indexation).
"""
