# zh-Hans for branch h15y (issue 15 gaps: incident page links, stuck documents, review report access).
ZH = {
    "last progress at": "最近进展于",
    "Generate it again": "重新生成",
    "The review report is for the incident's command group and the offices that oversee reviews.":
        "复盘报告仅限事件指挥部成员及负责复盘的学校部门（学生处、校领导）查看。",
}
