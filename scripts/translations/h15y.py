# zh-Hans for branch h15y (issue 15 gaps: incident page links, stuck documents, review report access).
ZH = {
    "last progress at": "最近进展于",
    "Generate it again": "重新生成",
}
