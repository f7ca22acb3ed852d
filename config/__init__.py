"""Typed settings for paperboy: ``load_settings()`` returns the one ``Settings`` object."""

from config.settings import ConfigError, Settings, load_settings

__all__ = ["ConfigError", "Settings", "load_settings"]
