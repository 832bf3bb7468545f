# zh-Hans for branch h15y (issue 15 gaps: incident page links, stuck documents, review report access).
ZH = {
}
