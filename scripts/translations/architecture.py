# zh-Hans for strings added by the architecture work (python scripts/translate.py scripts/translations/*.py).
ZH = {
    "Demo school": "示范学校",
    "The aftermath of a closed incident": "已结束事件的善后",
    "One aftermath: investigation and items": "一项善后：调查与善后事项",
    "Record the investigation: cause, process, consequences": "记录调查：原因、经过、后果",
    "The caller's open aftermath items": "本人未完成的善后事项",
    "Update an aftermath item's status": "更新善后事项的状态",
    "Edit a review section (refused once frozen)": "编辑复盘的一节（定稿后不可改）",
    "Sign off a review (the group head); then it is frozen": "复盘签发（领导小组组长），签发后定稿",
    "Amend a signed-off review (appended)": "补充已签发的复盘（追加，不改原文）",
    "Corrective actions the caller may see, by due date": "可见的整改事项，按期限排列",
    "Red corrective actions per unit": "各单位红色督办数",
    "One corrective action": "一项整改",
    "Submit a corrective action's evidence for inspection": "提交整改材料待检查",
    "An incident's documents": "事件的文书",
    "A document's state and progress": "文书的状态与进度",
    "Download a generated document": "下载已生成的文书",
    "Accountability findings the caller may see": "可见的问责认定",
    "One accountability finding": "一项问责认定",
    "Night hours %(start)s–%(end)s and holidays: the person on duty is told of every report at once, and is asked to acknowledge at the step of a policy that names the duty officer.":
        "夜间 %(start)s–%(end)s 及节假日：每条预警即时告知值班人员；预警策略中写明值班人员的那一级，由值班人员确认收到。",
    "On a holiday the person on duty is on call all day, not only at night.": "节假日全天由值班人员值守，不只是夜间。",
    "Each report follows the most specific active policy for its category and severity. At night and on holidays the person on duty is told at once, and a step that names the duty officer asks the person on the roster.":
        "每条预警按与其类别和级别最匹配的有效策略逐级上报。夜间和节假日即时告知值班人员；策略中写明值班人员的那一级，由值班表上的人员确认。",
}
