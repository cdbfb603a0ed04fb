"""Seckill (秒杀): campaigns of SKUs at a campaign price with their own campaign stock, a window,
a per-member limit and optional member levels.

- ``campaigns``: create, edit, pause and resume (every value checked before anything is written);
- ``queries``: the cached snapshot a purchase reads (``SeckillOffer``) and what the mall lists;
- ``stock``: the two stock paths behind one interface, the database (a conditional UPDATE) and
  Redis (one Lua script checks and decrements stock and the member's counter atomically);
- ``buying``: a purchase (stock first, then the order through the order core with the campaign
  price as the engine's step-1 campaign price) and the way back (closed or cancelled orders);
- ``reconcile``: brings Redis and the database back in line after a process died between them.
"""
