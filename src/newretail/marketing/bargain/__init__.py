"""Bargain (砍价): a member starts a bargain on a campaign's SKU and shares it; friends each cut
a random amount off until the price reaches the floor on exactly the campaign's K-th helper; the
member buys at the current price at any time (the floor once reached) through the order core.

- ``models``: campaigns, bargains (one member's run at a campaign) and their cuts;
- ``setup``: create, edit, pause, resume and delete campaigns (``marketing.manage``; audited);
- ``cutting``: the cut sequence (pure) and a friend's help (anti-abuse, row lock);
- ``buying``: starting a bargain, buying it through ``orders.create_order`` with the bargain's
  price as the engine's step-1 campaign price, and giving a closed order's piece back;
- ``queries``: what the mall, the API and the console read (live report included);
- ``errors``: the stable error codes.
"""
