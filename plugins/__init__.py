"""The plugins bundled with Synthetic Soul, installed as the namespace ``soul_plugins``.

Each is registered through the ``soul_framework`` entry-point group, exactly like a
third-party plugin, and can be switched off with ``SOUL_DISABLE_PLUGINS``.
"""
