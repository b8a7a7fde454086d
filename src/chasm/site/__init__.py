"""The reader pages: Jinja2 templates (``templates/``) and what fills them.

- ``base``     templates, the page's security policy, project facts every page shows (data
  version, sources, citation), atomic writes and the stylesheet
- ``runs``     the runs, their kinds and parameters, and the one navigation structure
  (previous / next, banner, citation) every page is rendered with
- ``render``   one run's page from its report: findings box, folded code, tables, charts
- ``landing``  the landing page and the claims register pages (register read as values,
  ClaimReview JSON-LD)
- ``travel``   what a run found about its sources (inconsistent breakdowns, sources that
  disagree, changes the source decides), from its key table, for the landing page
- ``pages``    what the build calls: the site's entry points and the index step (``write_site``)
"""
