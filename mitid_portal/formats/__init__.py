"""The portal's own locale formats (settings.FORMAT_MODULE_PATH); Django's fill the rest."""
