"""What the scanner tests compare: occurrences as plain tuples, and columns
computed from the fixture text itself (never copied from the output)."""

from mfdoctor.scan import scan_text


def occurrences(text, kind, path):
    """(name, line, column, context, value or None, template) of each occurrence."""
    return [(o.name, o.line, o.column, o.context, o.value if o.has_value else None, o.template)
            for o in scan_text(text, kind, path).occurrences]


def col(text, line, needle):
    """1-based column of `needle` on `line` of `text`."""
    return text.splitlines()[line - 1].index(needle) + 1
