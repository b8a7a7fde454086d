"""The data layer: every input read, checked against its schema, and the tidy tables written.

- ``cells``    the grammar of one value (number, share, id, month, text, URL) and a CSV column
- ``schema``   read a CSV or YAML file strictly, validate it against its schema, one error type
- ``yamlcache`` what ``schema`` accepted from a YAML file, kept by its bytes, schema and code
- ``load``     raw files in, checked frames out: one loader per file of ``data/raw/``
- ``write``    the one float writer and table writer, the processed tables
- ``figures``  questions asked of the tidy figures table (cells, sources, the best figure)
- ``worded``   turn worded figures ("about a third", "35-40%") into point and interval
- ``params``   a run's params file, checked against its notebook before any kernel starts
"""
