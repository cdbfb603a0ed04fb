"""Every write of the inventory domain, split by topic:

- ``ledger``: ``post_movement`` (the one writer of the stock ledger), ``adjust_stock``, thresholds;
- ``reservations``: order holds (reserve, release, consume as a sale, expire);
- ``purchasing``: suppliers, purchase orders and goods receipts;
- ``transfers``: stock moved between warehouses (in transit between ship and receive);
- ``stocktakes``: counts posted as stocktake movements.

Locking rule (no deadlocks): a transaction that changes several stock levels touches them in
(warehouse id, SKU id) order, after locking its document row. Callers in other domains that
reserve or consume several SKUs at once must do the same (sort their lines by SKU id).
"""
