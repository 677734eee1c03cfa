"""Message catalogues, one plain dict per language (``MESSAGES``); see ``app.i18n``."""
