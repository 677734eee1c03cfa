"""Stalwart account security: the Python package behind the page.

Every module here runs unchanged under CPython (tests, CLI) and in the browser
under Pyodide. Browser-only code lives in ``app.ui`` and imports ``js`` lazily.
"""
