# zh-Hans for personal work messages (WeCom / DingTalk / Feishu applications), privacy-safe
# group robots and CAS single sign-on (issue 19).
ZH = {
    "WeCom app message (to me)": "企业微信应用消息（发给我）",
    "DingTalk work notification (to me)": "钉钉工作通知（发给我）",
    "Feishu app message (to me)": "飞书应用消息（发给我）",
    "Accepted, waiting for the provider's answer": "已受理，等待平台回执",
    "show students' names, numbers and phones in this group": "在群消息中显示学生姓名、学号和电话",
    "Everyone in the group chat will read the names, student numbers and phone numbers of the "
    "students in each alert, and the one-tap acknowledgement link. Leave off to post only the "
    "class, the kind of alert and a link that needs log-in.":
        "勾选后，群内所有成员都能看到每条预警中学生的姓名、学号和电话，以及一键确认链接。"
        "不勾选时，群里只显示班级、预警类别和需要登录才能打开的链接。",
    "WeCom (企业微信) application": "企业微信应用",
    "DingTalk (钉钉) application": "钉钉应用",
    "Feishu (飞书) application": "飞书应用",
    "corp ID / app key / app ID": "企业 ID / AppKey / App ID",
    "WeCom: the corp ID; DingTalk: the app key; Feishu: the app ID.":
        "企业微信填企业 ID（corpid）；钉钉填 AppKey；飞书填 App ID。",
    "application secret": "应用 Secret",
    "agent ID": "应用 AgentId",
    "WeCom and DingTalk: the application's agent ID.": "企业微信和钉钉：应用的 AgentId。",
    "API address": "接口地址",
    "Leave empty for the public service; a private deployment (e.g. WeCom for education on the "
    "school's servers) gives its own.":
        "使用公有云服务时留空；私有化部署（例如学校自建的企业微信校园版）填写其接口地址。",
    "work application": "工作应用", "work applications": "工作应用",
    "Set by an administrator": "管理员设置",
    "Matched by mobile number through the directory": "按手机号从通讯录匹配",
    "Imported with the staff list": "随教职工名单导入",

    "user ID in the application": "应用中的用户 ID",
    "source": "来源",
    "checked at": "核对时间",
    "work application user ID": "工作应用用户 ID", "work application user IDs": "工作应用用户 ID",
    "working": "正常",
    # CAS single sign-on
    "Campus log-in refused": "统一身份认证登录未通过",
    "The campus identity system knows you by the number %(number)s, but Shouwang has no active "
    "account with that staff or student number. Accounts are not created on log-in: ask the "
    "student affairs office to add you.":
        "统一身份认证系统中您的编号是 %(number)s，但守望中没有使用该工号或学号的有效账号。"
        "账号不会在登录时自动创建，请联系学生工作部门为您添加。",
    "The campus identity system did not say your staff or student number, so Shouwang cannot tell "
    "which account is yours. Ask the administrator to check the CAS settings.":
        "统一身份认证系统没有提供您的工号或学号，守望无法确定您的账号。请联系管理员检查统一身份认证的设置。",
    "The campus identity system did not confirm this log-in: the ticket was already used, has "
    "expired or was issued for another site. Please log in again.":
        "统一身份认证系统没有确认这次登录：登录票据已被使用、已过期，或是为其他网站签发的。请重新登录。",
    "Log in with a Shouwang password": "使用守望账号密码登录",
    "Campus identity system unavailable": "统一身份认证暂时无法访问",
    "The campus identity system (CAS) does not answer right now. You can log in with your "
    "Shouwang password, or try again in a few minutes.":
        "统一身份认证（CAS）目前没有响应。您可以使用守望账号密码登录，或稍后再试。",
    "Try again": "重试",
    "Logged out": "已退出",
    "You are logged out of Shouwang. Now logging you out of the campus identity system as well…":
        "您已退出守望，正在同时退出统一身份认证……",
    "Log out of the campus identity system": "退出统一身份认证",
    "Accepted, waiting for the provider's answer (%(channel)s)": "已受理，等待平台回执（%(channel)s）",
    "Not reachable by %(channel)s: the next channel goes now": "无法通过%(channel)s送达，立即改用下一渠道",
}
