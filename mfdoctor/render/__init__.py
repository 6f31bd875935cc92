"""Renderers: one module per output format; checks never print."""
