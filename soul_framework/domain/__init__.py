"""The mind's data: plain values shared by the core, the plugins and the API."""
