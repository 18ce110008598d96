"""How the product is configured to run, declared once: every setting's name, where it
is set, its default and what it does.

The settings of a study (its rules) are research/base/settings.py; these are the
operator's: which database, which language by default, how sign-in works, how long
personal data is kept, where the app listens. README's "Configuration" table lists
each one, and tests/unit/test_config.py checks that it does and that the code reads no
``DEFECTORS_`` variable that is not declared here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigSetting:
    name: str  # the environment variable, or the key in the file named by ``where``
    where: str  # "environment", ".streamlit/config.toml", ".streamlit/secrets.toml", "study"
    default: str
    help: str

    def value(self) -> str:
        """The setting's value now (environment settings only)."""
        if self.where != "environment":
            raise ValueError(f"{self.name} is set in {self.where}")
        return os.environ.get(self.name) or self.default


ENVIRONMENT = "environment"

DB = ConfigSetting(
    "DEFECTORS_DB", ENVIRONMENT, "defectors.duckdb", "The database file (`--db` on the CLI)."
)
LANG = ConfigSetting(
    "DEFECTORS_LANG",
    ENVIRONMENT,
    "en",
    "The language a new app session and the CLI start in: `en` or `zh` (`--lang`, the "
    "sidebar and `?lang=` change it).",
)
STUDY = ConfigSetting(
    "DEFECTORS_STUDY",
    ENVIRONMENT,
    "",
    "The CLI's study when `--study` is not given (default: the only study not archived).",
)
USER = ConfigSetting(
    "DEFECTORS_USER",
    ENVIRONMENT,
    "the login name",
    "Who the CLI acts as in the audit log. The app never uses it: each browser session "
    "signs in as its own person.",
)
CURRENCY = ConfigSetting(
    "DEFECTORS_CURRENCY", ENVIRONMENT, "CNY", "The ISO code money is shown in."
)
SESSION_HOURS = ConfigSetting(
    "DEFECTORS_SESSION_HOURS",
    ENVIRONMENT,
    "12",
    "How long a sign-in lasts in a browser, reloads included (signing out ends it).",
)
SIGN_IN = ConfigSetting(
    "[auth]",
    ".streamlit/secrets.toml",
    "local accounts only",
    "Single sign-on: Streamlit's OIDC login (`redirect_uri`, `cookie_secret`, "
    "`client_id`, `client_secret`, `server_metadata_url`). The sign-in screen then "
    "offers it beside local accounts; an account must exist for the e-mail "
    "(`defectors user add EMAIL --sso --role ...`).",
)
ADDRESS = ConfigSetting(
    "server.address",
    ".streamlit/config.toml",
    "localhost",
    "Where the app listens (`defectors app --address`); keep localhost behind a reverse "
    "proxy with TLS.",
)
PORT = ConfigSetting(
    "server.port", ".streamlit/config.toml", "8501", "The app's port (`defectors app --port`)."
)
RETENTION = ConfigSetting(
    "retention_days",
    "study",
    "kept",
    "Days after a study closes until its personal data is erased (Study page settings, "
    "or `defectors retention set`); applied by `defectors retention apply` or the Admin "
    "page.",
)

CONFIG: tuple[ConfigSetting, ...] = (
    DB,
    LANG,
    STUDY,
    USER,
    CURRENCY,
    SESSION_HOURS,
    SIGN_IN,
    ADDRESS,
    PORT,
    RETENTION,
)


def session_hours() -> float:
    """Hours a sign-in lasts; a value that is not a positive number falls back to the
    default."""
    try:
        hours = float(SESSION_HOURS.value())
    except ValueError:
        return float(SESSION_HOURS.default)
    return hours if hours > 0 else float(SESSION_HOURS.default)


def default_language(languages) -> str:
    """The language a new session starts in ($DEFECTORS_LANG when it is one we speak)."""
    lang = LANG.value()
    return lang if lang in languages else LANG.default
