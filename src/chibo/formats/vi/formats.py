# Django's Vietnamese formats write "d-m-Y", "H:i d-m-Y" and "Ngày d tháng n năm Y", and read typed
# days as month/day/year: here one way for pages, forms and the date picker, as in English
# (chibo/formats/en). Numbers keep Django's Vietnamese separators.
from chibo.formats.en.formats import (  # noqa: F401
    DATE_FORMAT,
    DATE_INPUT_FORMATS,
    DATETIME_FORMAT,
    DATETIME_INPUT_FORMATS,
    FIRST_DAY_OF_WEEK,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
)

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
