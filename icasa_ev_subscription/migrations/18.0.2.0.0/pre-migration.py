"""18.0.2.0.0: one ledger for every document.

Rows of cancelled or deleted documents were of kind "released"; they are now
rows of their document's kind that no longer count (``live`` false)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("ALTER TABLE icasa_subscription_period ADD COLUMN IF NOT EXISTS live boolean DEFAULT true")
    cr.execute("ALTER TABLE icasa_subscription_period ADD COLUMN IF NOT EXISTS note varchar")
    cr.execute(
        """
        UPDATE icasa_subscription_period
           SET kind = CASE WHEN sale_order_id IS NOT NULL THEN 'order' ELSE 'invoice' END,
               live = false,
               billing_key = NULL,
               note = 'released'
         WHERE kind = 'released'
        """
    )
