"""Every catalog write, by topic: ``categories``, ``brands`` (and tags), ``products``, ``skus``
(list price and cost, audited) and ``prices`` (store price overrides, audited). Each action
takes keyword-only arguments with an explicit ``actor``, checks the actor's permission, runs in
one transaction and keeps the search index in step."""
