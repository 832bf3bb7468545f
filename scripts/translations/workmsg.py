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
}
