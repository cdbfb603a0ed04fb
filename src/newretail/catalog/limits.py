"""Bounds shared by the actions, the API schemas and the console forms, so that every surface
refuses the same input with a clear message instead of a database error."""

# ¥999,999,999.99: far above any retail price, far below the BigInteger limit.
MAX_FEN = 99_999_999_999
MAX_WEIGHT_G = 10_000_000
MAX_SKUS_PER_PRODUCT = 200
MAX_SPEC_NAMES = 3
SPEC_NAME_MAX_LEN = 20
SPEC_VALUE_MAX_LEN = 30
CODE_MAX_LEN = 40
CODE_PATTERN = r"^[A-Za-z0-9._-]{1,40}$"
CATEGORY_MAX_DEPTH = 3
NAME_MAX_LEN = 100
SUBTITLE_MAX_LEN = 200
DESCRIPTION_MAX_LEN = 20_000
CATEGORY_NAME_MAX_LEN = 50
BRAND_NAME_MAX_LEN = 50
TAG_NAME_MAX_LEN = 20
MAX_BULK_IDS = 500
