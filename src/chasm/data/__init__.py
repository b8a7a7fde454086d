"""The data layer: every input read, checked against its schema, and the tidy tables written.

- ``io``       load and validate the raw files and metadata, write and read processed tables
- ``figures``  questions asked of the tidy figures table (cells, sources, the best figure)
- ``worded``   turn worded figures ("about a third", "35-40%") into point and interval
- ``params``   a run's params file, checked against its notebook before any kernel starts
"""
