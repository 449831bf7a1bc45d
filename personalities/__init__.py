"""The bundled personas: one folder each, with ``persona.toml`` and its expression images."""
