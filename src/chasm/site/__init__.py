"""The reader pages: Jinja2 templates (``templates/``) and what fills them.

- ``pages``  one HTML page per run, the landing page and the claims register pages
"""
