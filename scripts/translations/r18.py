# zh-Hans for this round's lead work (guardian verification by SMS reply).
ZH = {
    "The SMS provider's inbound callback: guardians' replies": "短信上行回调：家长回复核验码",
    "The body is not JSON.": "请求体不是 JSON。",
    "Too many replies in one callback.": "一次回调中的回复过多。",
    "Wrong key.": "密钥错误。",
    "The body is too large.": "请求体过大。",
}
ZH.update(
    {
        "Care task overdue in your college": "本学院有关爱档案任务逾期",
        "A care-file task of class %(klass)s was due at %(due)s and is not done. The list shows who must act; the file itself opens only with a grant from the psychological centre.": "%(klass)s 的一项关爱档案任务应于 %(due)s 完成，至今未完成。列表中可见须办理的老师；档案本身须经心理中心授权方可查看。",
        "Overdue care tasks in your college": "本学院逾期的关爱档案任务",
        "Who must act, and since when. A care file opens only with a time-limited grant from the psychological centre.": "须办理的老师及逾期时间。关爱档案须经心理中心限时授权方可查看。",
        "to act": "须办理",
        "Open the file": "调阅档案",
        "Nothing overdue.": "没有逾期任务。",
    }
)
