"""Message catalogs: en.po and zh.po (gettext format, keyed ids)."""
