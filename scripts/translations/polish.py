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
    # Command line
    "Error: %(message)s": "错误：%(message)s",
    "The database is not set up yet: run `shouwang init` first.": "数据库尚未初始化：请先运行 `shouwang init`。",
    "Cannot open the database %(name)s: %(error)s": "无法打开数据库 %(name)s：%(error)s",
    "The database %(name)s does not exist on %(where)s: create it (createdb %(name)s) or correct "
    "SHOUWANG_DATABASE_URL.":
        "数据库服务器 %(where)s 上没有数据库 %(name)s：请先创建（createdb %(name)s），或修改 SHOUWANG_DATABASE_URL。",
    "The database server %(where)s refused the log-in: check the user and password in SHOUWANG_DATABASE_URL.":
        "数据库服务器 %(where)s 拒绝登录：请检查 SHOUWANG_DATABASE_URL 中的用户名和密码。",
    "Cannot connect to the database server %(where)s: is PostgreSQL running, and is SHOUWANG_DATABASE_URL "
    "right?": "无法连接数据库服务器 %(where)s：请确认 PostgreSQL 正在运行，且 SHOUWANG_DATABASE_URL 正确。",
    "Database error: %(error)s": "数据库错误：%(error)s",
    "Unknown unit code: %(code)s": "没有这个单位代码：%(code)s",
    "Cannot write %(file)s: %(reason)s": "无法写入 %(file)s：%(reason)s",
    "Cannot listen on %(host)s:%(port)s: %(reason)s": "无法在 %(host)s:%(port)s 上监听：%(reason)s",
    "Port %(port)s on %(host)s is already in use: stop the other server or choose another port with --port.":
        "%(host)s 的端口 %(port)s 已被占用：请先停止占用它的程序，或用 --port 换一个端口。",
    "The web server did not start on %(host)s:%(port)s (exit code %(code)s); see the lines above.":
        "网页服务未能在 %(host)s:%(port)s 启动（退出码 %(code)s），原因见上方输出。",
    "Shouwang is running on http://%(host)s:%(port)s/  (Ctrl+C to stop)":
        "守望已在 http://%(host)s:%(port)s/ 运行（按 Ctrl+C 停止）",
    "A part of the server stopped (exit code %(code)s); see the lines above.":
        "服务的一部分已停止（退出码 %(code)s），原因见上方输出。",
    # API docs (/api/v1/docs)
    "Units the caller may see": "调用者可见的单位",
    "One unit": "查看单位",
    "Current posts at a unit": "单位当前的岗位",
    "A person's current posts": "某人当前的岗位",
    "Search students by student number or name": "按学号或姓名查找学生",
    "One student": "查看学生",
    "File a report": "上报预警",  # the header's and the filing page's word, kept
    "Reports the caller may see": "调用者可见的预警",
    "One report": "查看预警",
    "Append an update": "续报",
    "Acknowledge a report": "确认收到预警",
    "Every event of a report": "预警的全部时间线事件",
    "Append an update with files (multipart: text, files)": "带附件续报（multipart：text、files）",
    "Download an attachment (sniffed content type, never shown inline)": "下载附件（按内容识别类型，一律作为下载）",
    "The caller's in-app messages": "调用者的站内消息",
    "Emergency plans": "应急预案",
    "Check a plan's YAML against the schema": "按模式校验预案 YAML",
    "One plan": "查看预案",
    "Incidents the caller may see": "调用者可见的应急事件",
    "Activate a plan": "启动预案",
    "One incident": "查看应急事件",
    "The incident's tasks": "事件的任务",
    "Mark a task done": "完成任务",
    "Raise or lower the level; returns the tasks added": "调整响应级别；返回新增的任务",
    "The incident's decisions": "事件的决策",
    "Record a decision": "记录决策",
    "The caller has arrived on scene": "调用者已到场",
    "A report sent upward outside the school": "向校外上级报告",
    "The incident's statements": "事件的对外发布稿",
    "Draft an external statement": "起草对外发布稿",
    "Publish a statement (publicity office only; anyone else gets 403)": "发布（仅宣传部门；其他人得到 403）",
    "Close the incident": "结束事件",
    # Incident board and timeline
    "The incident was not closed: these mandatory tasks are still open.": "事件未结束：以下必办任务尚未完成。",
    "The incident was not closed.": "事件未结束。",
    "%(n)d seats filled, %(v)d vacant": "到位 %(n)d 人，空缺 %(v)d 个",
    "%(n)d tasks": "%(n)d 项任务",
    "from %(a)s to %(b)s: %(reason)s": "从 %(a)s 级调整为 %(b)s 级：%(reason)s",
    "%(m)s min after activation": "启动后 %(m)s 分钟到场",
    # Duty roster
    "Your units keep no roster of their own: the person on duty for them comes from the roster of "
    "%(units)s (see “On duty now” above).": "您负责的单位没有自己的值班表：其值班人员来自%(units)s的值班表（见上方“当前值班”）。",
    # Organisation tree
    "Collapse": "收起",
    # Plans: due times in words
    "within %(span)s": "%(span)s内",
}
PLURAL = {
    "%(n)d day": "%(n)d 天", "%(n)d hour": "%(n)d 小时", "%(n)d minute": "%(n)d 分钟",
    "%(counter)s (the student listed)": "%(counter)s（所列学生）",
}
