"""The named school's helpers, shared with the reports and incidents tests."""

from tests.incidents.conftest import campus  # noqa: F401  (the school plus the offices incidents need)
from tests.reports.conftest import file_report  # noqa: F401  (files 夜不归宿 about 张三)
