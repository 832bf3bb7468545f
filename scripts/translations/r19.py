# zh-Hans for this round's lead work (code sign-in limits, 休学 requests, handover counts).
ZH = {
    "Too many attempts from this network. Try again in an hour.": "此网络尝试次数过多，请一小时后再试。",
}
ZH.update(
    {
        "Student status (休学/复学)": "学籍（休学/复学）",
        "学生处 carries out a 休学 or 复学 request on its status-request page.": "休学、复学申请由学生处在学籍变更申请页面办理。",
        "Choose 休学 or 复学.": "请选择休学或复学。",
        "The student's status is %(s)s.": "该学生的学籍状态为：%(s)s。",
        "休学 is asked for in the severe or the disorder tier.": "仅严重心理危机或确诊严重心理障碍的学生可申请休学。",
        "A 休学 or 复学 request is already waiting.": "已有一项休学或复学申请待办理。",
        "休学/复学 request to carry out": "有休学/复学申请待办理",
        "A student of class %(klass)s: %(change)s, requested by %(who)s.": "%(klass)s 的一名学生：%(change)s，申请人：%(who)s。",
        "%(change)s: carried out": "%(change)s：已办理",
        "%(change)s: declined": "%(change)s：未予办理",
        "休学/复学 request answered": "休学/复学申请已有答复",
        "A request on a care file you look after was answered.": "您负责的一份关爱档案上的申请已有答复。",
        "This request is already closed.": "该申请已办结。",
        "waiting for 学生处": "待学生处办理",
        "asked by": "申请人",
        "休学": "休学",
        "复学": "复学",
        "In this tier the student may suspend their studies. 学生处 carries it out; they see the student and the change, not this file.": "处于此等级的学生可以办理休学。由学生处办理；学生处只看到学生和变更事项，看不到本档案。",
        "The student is suspended. Ask 学生处 to reinstate them when they are ready to return.": "该学生已休学。学生可以返校时，请向学生处申请复学。",
        "reason (encrypted, stays in this file)": "理由（加密，仅留存于本档案）",
        "Ask 学生处 for 休学": "向学生处申请休学",
        "Ask 学生处 for 复学": "向学生处申请复学",
        "休学 and 复学 requests": "休学、复学申请",
        "Asked for from a care file by those who look after the student. You see the student and the change, not the file; carrying a request out changes the student's status. This list is recorded as read.": "由负责该学生的老师从关爱档案中提出。您只看到学生和变更事项，看不到档案；办理后学生的学籍状态随之变更。本列表的查看会被记录。",
        "Waiting": "待办理",
        "note (needed to decline; kept encrypted in the file)": "备注（不予办理时必填；加密保存于档案）",
        "Carry out": "办理",
        "Decline": "不予办理",
        "Answered lately": "近期已答复",
        "carried out": "已办理",
        "not carried out": "未予办理",
        "休学: suspend the student's studies": "休学：办理学生休学",
        "复学: reinstate the student": "复学：办理学生复学",
        "Sent to 学生处.": "已提交学生处。",
        "Carry it out or decline it.": "请选择办理或不予办理。",
        "Carried out.": "已办理。",
        "Declined; the file says why.": "已不予办理，理由记入档案。",
        "Overdue in your college": "本学院逾期任务",
    }
)
ZH.update(
    {
        "%(label)s: %(n)d.": "%(label)s：%(n)d。",
        "Care files in these classes": "本班级的关爱档案",
        "Care files you are now the dedicated owner of": "由您担任包保人的关爱档案",
        "Open care-file tasks": "关爱档案未办结任务",
    }
)
ZH.update(
    {
        "%(building)s: %(absent)d of %(residents)d residents had no check-in by %(time)s, which looks like missing data (the gate export or the 查寝), not absent students. Check the building. At %(rescan)s the rule looks again and reports each student still without a check-in.": "%(building)s：%(residents)d 名住宿学生中有 %(absent)d 人截至 %(time)s 无签到记录，更像是数据缺失（门禁数据未到或未查寝），而非学生未归。请核实该楼情况。%(rescan)s 将再查一次，届时仍无签到的学生将逐一上报。",
        "The check-ins came in; the students still absent are reported one by one.": "签到数据已到，仍未归寝的学生已逐一上报。",
    }
)
ZH.update(
    {
        "hold a building above this share unchecked (%)": "无签到占比超过此值时暂缓逐人上报（%）",
        "The share that holds a building: a whole number from 0 (never) to 100.": "暂缓逐人上报的占比：0（从不暂缓）到 100 的整数。",
        "hold a building when more than this percentage of its residents is unchecked (likely missing data: one report on the building, a rescan an hour later; 0: never)": "某楼无签到的住宿学生超过此百分比时暂缓逐人上报（多为数据缺失：先就该楼上报一次，一小时后再查；0 表示从不暂缓）",
    }
)
