# zh-Hans for issue 15 (branch h15x): 定级调整 (changing a report's severity, approved or not by
# the office) and the corrected time and place an update may carry (虚报/谎报).
ZH = {
    "Give the reason for changing the severity.": "请填写调整定级的理由。",
    "The report already has this severity.": "该报告已是此等级。",
    "Severity changed": "调整定级",
    "%(before)s → %(after)s: %(reason)s": "%(before)s → %(after)s：%(reason)s",
    "(downgrade approved by the office)": "（降级已经学生处批准）",
    "(downgrade not approved by the office)": "（降级未经学生处批准）",
    "Reason for the change": "调整理由",
    "Severity changed.": "定级已调整。",
    "Change the severity": "调整定级",
    "A downgrade you make is recorded as approved by the office.":
        "您作出的降级将记为学生处批准的降级。",
    "A downgrade you make is recorded as not approved by the office (学生处 approves downgrades).":
        "您作出的降级将记为未经学生处批准（降级须由学生处批准）。",
    "Only a person who verifies reports can change a severity, not an integration token.":
        "只有负责核实的人员可以调整定级，集成令牌不能。",
    "Only those who verify this report can change its severity.":
        "只有负责核实该报告的人员可以调整其定级。",
    "corrected time it happened": "更正后的发生时间",
    "corrected place": "更正后的地点",
    "A severity lowered without the approval of 学生处 does not lower the level a report must "
    "reach: once its route stops short of that level, it is concealment too.":
        "未经学生处批准的降级不降低报告须报达的层级：流转止于该层级之下的，同样认定为瞒报。",
}
