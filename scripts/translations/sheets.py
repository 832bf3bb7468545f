# zh-Hans for the spreadsheet core (src/shouwang/sheets): cell parsers for the imports to come.
ZH = {
    "%(value)s is not a date and time (use 2024-09-01 08:30).":
        "%(value)s 不是日期时间（格式如 2024-09-01 08:30）。",
    "%(value)s is not a number.": "%(value)s 不是数字。",
    "%(value)s is not a whole number.": "%(value)s 不是整数。",
    "%(value)s is out of range (%(min)s to %(max)s).": "%(value)s 超出范围（%(min)s 至 %(max)s）。",
}
