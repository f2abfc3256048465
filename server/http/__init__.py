"""HTTP: the JSON API and the Jinja2 pages."""
