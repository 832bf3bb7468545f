# zh-Hans for h2 (issue 17 gaps: a student's 学籍 status set by 学生处 / 教务处).
ZH = {
    "Choose one of the statuses.": "请选择一种学籍状态。",
    "State the reason.": "请填写原因。",
    "The student already has this status.": "该学生已是此学籍状态。",
}
