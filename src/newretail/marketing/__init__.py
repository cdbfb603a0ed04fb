"""Marketing: the pricing engine (``pricing.price_cart``), shipping settings, and later promotions,
coupons, seckill and group buy."""
