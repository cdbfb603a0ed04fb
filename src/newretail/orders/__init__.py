"""The order core: orders, their lines and price snapshots, the status machine, and the actions
that create, cancel and expire orders. Payments, carts and screens build on it."""
