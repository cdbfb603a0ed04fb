"""Group buy (拼团): campaigns of SKUs at a group price; a member opens a group by paying, others
join through its share link by paying; when the last seat is paid the group succeeds and its
orders go to fulfilment (held until then by a fulfilment gate); when time runs out it fails and
every member is refunded through their original tenders.

- ``models``: campaigns, items, groups, seats (its own app, label ``groupbuy``);
- ``campaigns``: create, edit, pause and resume (checked, audited);
- ``seats``: opening and joining, and every way a seat changes afterwards (paid, released,
  refunded, the group failing at its deadline);
- ``handlers``: the order-event subscribers and the fulfilment gate;
- ``queries``: the mall's and the console's reads and the live report;
- ``tasks``: the periodic job that fails groups past their deadline.
"""
