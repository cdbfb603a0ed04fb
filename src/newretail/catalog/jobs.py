"""Registers the catalog's background job handlers (product import and export) with core.jobs.
Imported by CatalogConfig.ready() so that the worker knows them whatever it loads first."""

from newretail.catalog import exports, imports

HANDLED_KINDS = (imports.KIND, exports.KIND)

__all__ = ["HANDLED_KINDS", "exports", "imports"]
