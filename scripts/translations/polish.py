# zh-Hans for issue 14 items 1–3: the phone header, the command line, and pages that say what
# happened (python scripts/translate.py scripts/translations/*.py).
ZH = {
    # Phone header
    "Mine": "我的", "Menu": "菜单", "More pages": "更多页面",
    # Report timeline
    "Not sent (%(channel)s)": "未发送（%(channel)s）",
    "Emergency plan activated": "已启动应急预案",
    "level skipped by the reporter, for information": "越级上报，送其知悉",
    "security office, for information": "保卫处知悉",
    "email is not configured (SHOUWANG_EMAIL_HOST)": "未配置邮件服务器（SHOUWANG_EMAIL_HOST）",
    "no email address": "没有邮箱地址",
    "SMS is not configured (SHOUWANG_SMS_PROVIDER)": "未配置短信服务（SHOUWANG_SMS_PROVIDER）",
    "no phone number": "没有手机号码",
    "no longer needed: the report was acknowledged": "已有人确认，不再发送",
    "level %(n)d (%(roles)s)": "第 %(n)d 级（%(roles)s）",
    "policy %(policy)s": "上报规则：%(policy)s",
    "starts at %(step)s": "从%(step)s开始",
    "acknowledge by %(at)s": "须在 %(at)s 前确认",
    "from %(a)s to %(b)s": "从%(a)s升至%(b)s",
    "to %(recipient)s, sent %(at)s: %(content)s": "报送%(recipient)s，%(at)s 发出：%(content)s",
    "%(plan)s, level %(level)s": "%(plan)s，%(level)s级",
    "Incident #%(id)s": "应急事件 #%(id)s",
    # Report page
    "Verification and decision": "核实与处置",
    # Plans: due times in words
    "within %(span)s": "%(span)s内",
}
PLURAL = {
    "%(n)d day": "%(n)d 天", "%(n)d hour": "%(n)d 小时", "%(n)d minute": "%(n)d 分钟",
    "%(counter)s (the student listed)": "%(counter)s（所列学生）",
}
