"""English as a Danish public service writes it: day before month, 24-hour clock
("31 December 2026", "31 December 2026 14:05"); templates use ``|date:"DATE_FORMAT"``."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
MONTH_DAY_FORMAT = "j F"
