"""zh_Hans translations of the messages added by the security hardening (issue 18)."""

ZH = {
    "Enter a time between the year 2000 and 2099.": "请输入 2000 年至 2099 年之间的时间。",
    "Enter a date between the year 2000 and 2099.": "请输入 2000 年至 2099 年之间的日期。",
    "Enter the time as ISO 8601, e.g. 2026-11-24T21:30:00+08:00.": "请按 ISO 8601 格式填写时间，例如 2026-11-24T21:30:00+08:00。",
    "At most %(limit)d characters.": "最多 %(limit)d 个字。",
    "At most %(limit)d entries.": "最多 %(limit)d 项。",
    "At most %(limit)d.": "最多 %(limit)d。",
    "Enter a whole number from 0 to %(max)d.": "请输入 0 至 %(max)d 之间的整数。",
    "The request contains a NUL character (\\0).": "请求中含有空字符（\\0）。",
    "The request contains text that is not valid Unicode (a lone surrogate).": "请求中含有无效的 Unicode 文字（孤立代理项）。",
    "The JSON is nested more than %(depth)d levels deep.": "JSON 嵌套超过 %(depth)d 层。",
    "The document is nested too deeply.": "文档嵌套层数过多。",
    "Bad request": "请求有误",
    "The request could not be understood.": "无法理解该请求。",
    "%(no)s is not a staff member of this unit or a duty officer above it.":
        "%(no)s 不是本单位的工作人员，也不是上级单位的值班人员。",
    "Reporter not shown": "报告人不公开",
    "Now %(url)s. Leave empty to keep it.": "当前为 %(url)s。留空则保持不变。",
    "This Idempotency-Key was used with a different request body.": "此 Idempotency-Key 已用于另一个请求内容。",
    "An Idempotency-Key is 1 to 200 printable ASCII characters without spaces.":
        "Idempotency-Key 应为 1 至 200 个可打印 ASCII 字符，不含空格。",
    "Not found.": "未找到。",
    "Only people can do this; an integration token cannot.": "只有人员本人可以执行此操作，集成令牌不能。",
    "sensitive": "敏感",
}
