"""Catalog search for the mall, the console and the POS.

Index
    Every live SKU has SearchToken rows (merchant, token, sku, weight), rebuilt whenever an
    action changes what the SKU is called or coded. From the product name (and, with lower
    weights, the brand, the category path and the spec values) come:

    * every suffix of the name in characters, full pinyin and pinyin initials: 可口可乐零度 gives
      可口可乐零度 / 口可乐零度 / 可乐零度 …, kekoukelelingdu / koukele… / kele… and kkklld / kkld /
      kld …, so "可乐", "kele", "kl", "kkl" and "kekoukele" all prefix-match a token;
    * each jieba search-mode word (可口, 可乐, 可口可乐) and its pinyin, so an exact word scores
      higher than a prefix;
    * the barcode, the PLU and the SKU code as exact tokens.

    Everything is NFKC-normalised (full-width letters and digits from a Chinese IME become
    ASCII), lower-cased, stripped of punctuation and cut to TOKEN_MAX characters.

Query
    The query is normalised the same way and split on spaces; each chunk is one term. A SKU must
    match every term, each a prefix range ``token >= term AND token < term || U+FFFF`` on the
    index (never ``LIKE '%…%'``). The rarest term (counted cheaply on the index, up to
    DRIVER_ROW_CAP rows) is scanned and grouped by SKU; every other term is an index seek per
    candidate on (sku, token). If nothing matches and a Chinese chunk splits into several jieba
    words ("伊利牛奶" -> 伊利, 牛奶), the words are tried as separate terms. A term scores its best
    token's weight, doubled for an exact token; a SKU scores the sum over terms, best first,
    newest first among equals. A query of 8, 12, 13 or 14 digits is first tried as an exact
    barcode. One-character ASCII terms match exact tokens only, a term broad enough to reach
    DRIVER_ROW_CAP is cut there (exact tokens sort first, so they survive), and a filtered
    search checks only its best JOIN_CAP candidates against the SKU and product rows; then
    ``capped`` is set and the total is a lower bound. Typing "k" or "饮料" into the POS never scans half
    the index, and the top results are the same.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import jieba
from django.db import connection
from pypinyin import lazy_pinyin

from newretail.catalog.barcodes import barcode_variants, looks_like_barcode
from newretail.catalog.models import Category, Product, SearchToken, Sku
from newretail.core import clock

jieba.setLogLevel(60)

TOKEN_MAX = 32
MAX_TERMS = 6
# Index rows one term may contribute; beyond it the result is cut and the total is a lower bound.
DRIVER_ROW_CAP = 10_000
# Rows counted per term to choose the rarest term of a multi-term query.
PROBE_ROWS = 2_000
# Candidates a filtered search checks against SKU and product rows (best scores first).
JOIN_CAP = 2_000
MAX_LIMIT = 200
UPPER = "\uffff"

# Field weights: a name match beats a brand match beats a spec or category match; a pinyin
# spelling weighs a little less than the characters, initials less again.
W_NAME = 10
W_BRAND = 7
W_CODE = 9
W_SPEC = 4
W_CATEGORY = 3
PINYIN_PENALTY, INITIALS_PENALTY = 2, 4

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAS_CJK = re.compile(f"[{_CJK}]")
_RUNS = re.compile(f"[{_CJK}]+|[^{_CJK}]+")
_NOT_WORD = re.compile(r"[\W_]+")


def normalize_text(text: str | None) -> str:
    """NFKC (full-width -> ASCII), lower case, punctuation and underscores become spaces."""
    if not text:
        return ""
    return _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", str(text)).lower()).strip()


def has_cjk(text: str) -> bool:
    return bool(_HAS_CJK.search(text))


@lru_cache(maxsize=4096)
def _pinyin_of_run(run: str) -> tuple[str, ...]:
    """One toneless syllable per Chinese character (phrase-aware: 可乐 -> ke le, 音乐 -> yin yue)."""
    syllables = lazy_pinyin(run)
    if len(syllables) != len(run):  # a character without a reading came back merged
        syllables = [(lazy_pinyin(ch) or [ch])[0] for ch in run]
    return tuple(s.lower() for s in syllables)


@dataclass(frozen=True)
class _Unit:
    text: str  # one Chinese character or one run of letters/digits
    pinyin: str
    initial: str


def _units_and_words(text: str) -> tuple[list[_Unit], set[str]]:
    """Split normalised text into units (per Chinese character, per ASCII/other word) and
    collect the jieba search-mode words of its Chinese runs."""
    units: list[_Unit] = []
    words: set[str] = set()
    for chunk in text.split():
        for run in _RUNS.findall(chunk):
            if _HAS_CJK.match(run):
                for syllable, char in zip(_pinyin_of_run(run), run, strict=True):
                    units.append(_Unit(char, syllable, syllable[:1]))
                for word, start, end in jieba.tokenize(run, mode="search"):
                    if end - start >= 2:
                        words.add(word)
            else:
                units.append(_Unit(run, run, run))
    return units, words


def text_tokens(
    text: str | None, weight: int, *, pinyin: bool = True, suffixes: bool = True
) -> dict[str, int]:
    """Tokens of one field with their weights (pinyin and initials weigh a little less)."""
    tokens: dict[str, int] = {}

    def add(token: str, w: int) -> None:
        token = token[:TOKEN_MAX]
        # A lone letter or digit would only match a one-character query, which is exact-only.
        if (len(token) > 1 or not token.isascii()) and tokens.get(token, 0) < w:
            tokens[token] = w

    normalized = normalize_text(text)
    if not normalized:
        return tokens
    units, words = _units_and_words(normalized)
    for word in words:
        add(word, weight)
        if pinyin:
            add("".join(_pinyin_of_run(word)), weight - PINYIN_PENALTY)
    if not suffixes:  # short fields (category, spec value): the whole text, its words and ASCII runs
        add("".join(u.text for u in units), weight)
        for unit in units:
            if not _HAS_CJK.match(unit.text):
                add(unit.text, weight)
        return tokens
    py_weight, initials_weight = weight - PINYIN_PENALTY, weight - INITIALS_PENALTY
    for i in range(len(units)):
        rest = units[i : i + TOKEN_MAX]
        add("".join(u.text for u in rest), weight)
        if pinyin:
            add("".join(u.pinyin for u in rest), py_weight)
            add("".join(u.initial for u in rest), initials_weight)
    return tokens


def _merge(into: dict[str, int], other: dict[str, int]) -> dict[str, int]:
    for token, weight in other.items():
        if into.get(token, 0) < weight:
            into[token] = weight
    return into


def product_tokens(*, name: str, brand: str = "", categories: Sequence[str] = ()) -> dict[str, int]:
    """Tokens shared by every SKU of a product: name, brand and category path."""
    tokens = text_tokens(name, W_NAME)
    if brand:
        _merge(tokens, text_tokens(brand, W_BRAND))
    for category in categories:
        _merge(tokens, text_tokens(category, W_CATEGORY, pinyin=False, suffixes=False))
    return tokens


def sku_tokens(
    shared: dict[str, int],
    *,
    spec_values: Iterable[str] = (),
    code: str = "",
    barcode: str = "",
    plu: str = "",
) -> dict[str, int]:
    tokens = dict(shared)
    for value in spec_values:
        _merge(tokens, text_tokens(str(value), W_SPEC, pinyin=False, suffixes=False))
    for exact in (code, barcode, plu):
        exact = normalize_text(exact).replace(" ", "")[:TOKEN_MAX]
        if exact and tokens.get(exact, 0) < W_CODE:
            tokens[exact] = W_CODE
    return tokens


def category_path(category: Category) -> list[str]:
    """The category's name and its ancestors' names (the tree is at most three deep)."""
    names, node, seen = [], category, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        names.append(node.name)
        node = node.parent
    return names


def _tokens_for_sku(sku: Sku, cache: dict[int, dict[str, int]]) -> dict[str, int]:
    product = sku.product
    shared = cache.get(product.pk)
    if shared is None:
        shared = product_tokens(
            name=product.name,
            brand=product.brand.name if product.brand_id else "",
            categories=category_path(product.category),
        )
        cache[product.pk] = shared
    return sku_tokens(
        shared,
        spec_values=(sku.spec_values or {}).values(),
        code=sku.code,
        barcode=sku.barcode,
        plu=sku.plu,
    )


def index_skus(sku_ids: Iterable[int]) -> int:
    """Rebuild the tokens of these SKUs (deleted SKUs and SKUs of deleted products lose them).
    Runs inside the caller's transaction so the index never disagrees with the catalog."""
    ids = sorted(set(sku_ids))
    if not ids:
        return 0
    written = 0
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        SearchToken.objects.filter(sku_id__in=batch).delete()
        skus = Sku.objects.filter(pk__in=batch, is_deleted=False, product__is_deleted=False).select_related(
            "product__brand", "product__category__parent__parent"
        )
        cache: dict[int, dict[str, int]] = {}
        rows = [
            SearchToken(merchant_id=sku.merchant_id, sku_id=sku.pk, token=token, weight=weight)
            for sku in skus
            for token, weight in _tokens_for_sku(sku, cache).items()
        ]
        SearchToken.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
    return written


def index_products(product_ids: Iterable[int]) -> int:
    ids = list(set(product_ids))
    if not ids:
        return 0
    return index_skus(Sku.objects.filter(product_id__in=ids).values_list("pk", flat=True))


def reindex_merchant(merchant_id: int) -> int:
    """Rebuild the whole index of one merchant (after an upgrade of the tokenizer). Returns
    the number of tokens written."""
    SearchToken.objects.filter(merchant_id=merchant_id).delete()
    ids = list(Sku.objects.filter(merchant_id=merchant_id).order_by("pk").values_list("pk", flat=True))
    written = 0
    for start in range(0, len(ids), 2000):
        written += index_skus(ids[start : start + 2000])
    return written


# --- query -----------------------------------------------------------------------------------


def query_terms(q: str | None) -> tuple[list[str], list[str]]:
    """(whole-chunk terms, jieba-split terms). The second list is empty when it would not differ."""
    whole: list[str] = []
    split: list[str] = []
    for chunk in normalize_text(q).split():
        term = chunk[:TOKEN_MAX]
        if term not in whole:
            whole.append(term)
        for run in _RUNS.findall(chunk):
            parts = [w.strip() for w in jieba.lcut(run)] if _HAS_CJK.match(run) else [run]
            for part in parts:
                part = part[:TOKEN_MAX]
                if part and part not in split:
                    split.append(part)
    whole, split = whole[:MAX_TERMS], split[:MAX_TERMS]
    return whole, (split if split != whole else [])


@dataclass(frozen=True)
class SearchFilters:
    """Who is searching decides the filter: the mall shows sellable, mall-available SKUs; the
    POS sellable POS SKUs; the console everything not deleted."""

    channel: str | None = None  # "mall" or "pos"
    sellable: bool = False  # on sale now: status on_sale, inside the sale window, SKU active
    status: str | None = None  # console filter: Product.Status value
    category_id: int | None = None  # the category and its subcategories
    brand_id: int | None = None

    @property
    def is_default(self) -> bool:
        """Only "not deleted": what the index itself guarantees."""
        return not (self.channel or self.sellable or self.status or self.category_id or self.brand_id)


@dataclass
class SearchResult:
    ids: list[int]
    total: int  # a lower bound when ``capped``
    scores: dict[int, int] = field(default_factory=dict)
    exact_barcode: bool = False
    capped: bool = False


def category_subtree_ids(merchant_id: int, category_id: int) -> list[int]:
    """The category and its descendants (at most three levels, so two queries at most)."""
    ids = [category_id] if Category.objects.filter(merchant_id=merchant_id, pk=category_id).exists() else []
    frontier = list(ids)
    while frontier:
        frontier = list(
            Category.objects.filter(merchant_id=merchant_id, parent_id__in=frontier).values_list(
                "pk", flat=True
            )
        )
        ids.extend(frontier)
    return ids


_CHANNEL_COLUMN = {"mall": "p.available_in_mall = %s", "pos": "p.available_in_pos = %s"}


def _filter_sql(merchant_id: int, filters: SearchFilters) -> tuple[list[str], list] | None:
    """WHERE fragments over sku ``s`` and product ``p``; None when the filter excludes everything."""
    where = ["s.merchant_id = %s", "s.is_deleted = %s", "p.is_deleted = %s"]
    params: list = [merchant_id, False, False]
    if filters.channel:
        where.append(_CHANNEL_COLUMN[filters.channel])
        params.append(True)
    if filters.sellable:
        now = connection.ops.adapt_datetimefield_value(clock.now())
        where += [
            "p.status = %s",
            "s.is_active = %s",
            "(p.on_sale_from IS NULL OR p.on_sale_from <= %s)",
            "(p.on_sale_until IS NULL OR p.on_sale_until > %s)",
        ]
        params += [Product.Status.ON_SALE, True, now, now]
    if filters.status:
        where.append("p.status = %s")
        params.append(filters.status)
    if filters.brand_id:
        where.append("p.brand_id = %s")
        params.append(filters.brand_id)
    if filters.category_id:
        subtree = category_subtree_ids(merchant_id, filters.category_id)
        if not subtree:
            return None
        where.append("p.category_id IN (" + ", ".join(["%s"] * len(subtree)) + ")")
        params += subtree
    return where, params


def _term_bounds(term: str) -> tuple[str, str, str]:
    """(exact, low, high) for one term; a one-character ASCII term matches exactly only."""
    if len(term) == 1 and term.isascii():
        return term, term, term + "\x00"
    return term, term, term + UPPER


# A term's candidate rows, counted up to the cap (cheap: an index range scan).
# A term's candidate rows, counted up to PROBE_ROWS (cheap: an index range scan), to pick the
# rarest term of a multi-term query.
_COUNT_SQL = (
    "SELECT COUNT(*) FROM (SELECT 1 FROM catalog_searchtoken "
    "WHERE merchant_id = %s AND token >= %s AND token < %s LIMIT %s) c"
)
# The rarest term drives: its SKUs with their best score for the term (n: index rows read).
_DRIVER_SQL = (
    "SELECT sku_id, COUNT(*) AS n, MAX(CASE WHEN token = %s THEN weight * 2 ELSE weight END) AS score "
    "FROM (SELECT sku_id, token, weight FROM catalog_searchtoken "
    "WHERE merchant_id = %s AND token >= %s AND token < %s LIMIT %s) r GROUP BY sku_id"
)
# Every other term: the same SKU's best score for it, NULL (dropping the SKU) if it has none.
_OTHER_SQL = (
    " + (SELECT MAX(CASE WHEN o.token = %s THEN o.weight * 2 ELSE o.weight END) "
    "FROM catalog_searchtoken o WHERE o.sku_id = d.sku_id AND o.token >= %s AND o.token < %s)"
)
# total, index rows the driver read, candidates before the join cap
_COLUMNS_SQL = ", COUNT(*) OVER (), (SELECT SUM(n) FROM x), (SELECT COUNT(*) FROM x WHERE score IS NOT NULL)"
# A filtered search checks its best JOIN_CAP candidates only, each by its SKU and product rows.
_CAPPED_SQL = (
    ", y AS (SELECT sku_id, score FROM x WHERE score IS NOT NULL ORDER BY score DESC, sku_id DESC LIMIT %s) "
)
# The check is a scalar subquery per candidate (the product id when the filter passes, else
# NULL): PostgreSQL runs it as primary-key probes. As a join it was planned as a hash join over a
# scan of every SKU of the table (22 of the 34 ms of a broad mall search at 100k SKUs).
_CHECKED_SQL = (
    ", f AS MATERIALIZED (SELECT y.sku_id, y.score, (SELECT s.product_id FROM catalog_sku s "
    "JOIN catalog_product p ON p.id = s.product_id WHERE s.id = y.sku_id AND {where}) AS product_id FROM y) "
)


def _pick_driver(merchant_id: int, terms: list[str]) -> tuple[str, list[str]] | None:
    """(rarest term, the others); None when a term matches nothing at all."""
    if len(terms) == 1:
        return terms[0], []
    counted = []
    with connection.cursor() as cursor:
        for term in terms:
            _exact, low, high = _term_bounds(term)
            cursor.execute(_COUNT_SQL, [merchant_id, low, high, PROBE_ROWS])
            count = cursor.fetchone()[0]
            if count == 0:
                return None
            counted.append((count, -len(term), term))  # equal counts: the longer term
    counted.sort()
    return counted[0][2], [term for _count, _length, term in counted[1:]]


def _token_search(
    merchant_id: int, terms: list[str], filters: SearchFilters, *, limit: int, offset: int, by_product: bool
) -> SearchResult:
    """AND of prefix terms. The rarest term is scanned (up to DRIVER_ROW_CAP index rows) and
    grouped by SKU; each other term is an index seek per candidate on (sku, token). A term so
    broad that it reaches the cap is cut there (exact tokens sort first, so they survive), and
    a filtered search (channel, on sale, category, brand) checks its best JOIN_CAP candidates
    against the SKU and product rows; either way ``capped`` says the total is a lower bound."""
    built = _filter_sql(merchant_id, filters)
    picked = _pick_driver(merchant_id, terms) if terms else None
    if built is None or picked is None:
        return SearchResult(ids=[], total=0)
    where, filter_params = built
    driver, others = picked
    params: list = []
    parts = ["WITH x AS MATERIALIZED (SELECT d.sku_id, d.n, d.score"]
    for term in others:
        exact, low, high = _term_bounds(term)
        parts.append(_OTHER_SQL)
        params += [exact, low, high]
    exact, low, high = _term_bounds(driver)
    parts += [" AS score FROM (", _DRIVER_SQL, ") d)"]
    params += [exact, merchant_id, low, high, DRIVER_ROW_CAP]
    if filters.is_default:
        # The index holds only live SKUs of live products of this merchant (index_skus drops
        # the rest), so the default filter needs no join at all.
        source, passes = "x", "x.score IS NOT NULL"
    else:
        parts += [_CAPPED_SQL, _CHECKED_SQL.format(where=" AND ".join(where))]
        params += [JOIN_CAP, *filter_params]
        source, passes = "f", "f.product_id IS NOT NULL"
    if by_product:
        if filters.is_default:
            product, rows_sql = "s.product_id", " FROM x JOIN catalog_sku s ON s.id = x.sku_id"
        else:  # the check already gave the product
            product, rows_sql = "f.product_id", " FROM f"
        parts += [f" SELECT {product}, MAX({source}.score) AS score", _COLUMNS_SQL, rows_sql]
        tail = f" GROUP BY {product} ORDER BY score DESC, {product} DESC LIMIT %s OFFSET %s"
    else:
        parts += [f" SELECT {source}.sku_id, {source}.score", _COLUMNS_SQL, f" FROM {source}"]
        tail = f" ORDER BY {source}.score DESC, {source}.sku_id DESC LIMIT %s OFFSET %s"
    parts += [f" WHERE {passes}", tail]
    sql = "".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        rows = cursor.fetchall()
        if not rows and offset:
            cursor.execute(sql, [*params, 1, 0])
            rows = cursor.fetchall()
            if not rows:
                return SearchResult(ids=[], total=0)
            return SearchResult(
                ids=[], total=rows[0][2], capped=_was_capped(rows[0], filtered=not filters.is_default)
            )
    if not rows:
        return SearchResult(ids=[], total=0)
    return SearchResult(
        ids=[row[0] for row in rows],
        total=rows[0][2],
        scores={row[0]: int(row[1]) for row in rows},
        capped=_was_capped(rows[0], filtered=not filters.is_default),
    )


def _was_capped(row, *, filtered: bool) -> bool:
    """The driver hit DRIVER_ROW_CAP, or a filtered search had more than JOIN_CAP candidates."""
    index_rows, candidates = row[3] or 0, row[4] or 0
    return index_rows >= DRIVER_ROW_CAP or (filtered and candidates > JOIN_CAP)


_BARCODE_SQL = (
    "SELECT s.id, s.product_id FROM catalog_sku s JOIN catalog_product p ON p.id = s.product_id "
    "WHERE s.barcode IN (%s, %s) AND "
)


def _barcode_search(
    merchant_id: int, code: str, filters: SearchFilters, *, by_product: bool
) -> SearchResult | None:
    """Exact barcode lookup under the same filter as the token search (a scanner never shows
    what a word search would hide). None when no SKU has the barcode."""
    built = _filter_sql(merchant_id, filters)
    if built is None:
        return None
    where, params = built
    variants = (barcode_variants(code) + [code])[:2]
    sql = "".join([_BARCODE_SQL, " AND ".join(where), " ORDER BY s.id DESC"])
    with connection.cursor() as cursor:
        cursor.execute(sql, [*variants, *params])
        rows = cursor.fetchall()
    if not rows:
        return None
    ids = list(dict.fromkeys(row[1] if by_product else row[0] for row in rows))
    return SearchResult(ids=ids, total=len(ids), scores=dict.fromkeys(ids, 100), exact_barcode=True)


def _search(
    merchant_id: int, q: str, filters: SearchFilters | None, *, limit: int, offset: int, by_product: bool
) -> SearchResult:
    filters = filters or SearchFilters()
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    compact = normalize_text(q).replace(" ", "")
    if looks_like_barcode(compact):
        found = _barcode_search(merchant_id, compact, filters, by_product=by_product)
        if found is not None:
            found.ids = found.ids[offset : offset + limit]
            return found
    whole, split = query_terms(q)
    result = _token_search(merchant_id, whole, filters, limit=limit, offset=offset, by_product=by_product)
    if result.total == 0 and split:
        result = _token_search(merchant_id, split, filters, limit=limit, offset=offset, by_product=by_product)
    return result


def search_skus(
    merchant_id: int, q: str, filters: SearchFilters | None = None, *, limit: int = 20, offset: int = 0
) -> SearchResult:
    """SKU ids matching ``q`` for one merchant, best first (POS, barcode lookups, API)."""
    return _search(merchant_id, q, filters, limit=limit, offset=offset, by_product=False)


def search_products(
    merchant_id: int, q: str, filters: SearchFilters | None = None, *, limit: int = 20, offset: int = 0
) -> SearchResult:
    """Product ids whose SKUs match ``q`` (a product scores its best SKU): mall and console lists."""
    return _search(merchant_id, q, filters, limit=limit, offset=offset, by_product=True)


def search(
    merchant_id: int, q: str, filters: SearchFilters | None = None, *, limit: int = 20, offset: int = 0
) -> SearchResult:
    """The default search: SKUs (see ``search_skus``)."""
    return search_skus(merchant_id, q, filters, limit=limit, offset=offset)
