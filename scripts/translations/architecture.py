# zh-Hans for strings added by the architecture work (python scripts/translate.py scripts/translations/*.py).
ZH = {
    "Demo school": "示范学校",
    "Night hours %(start)s–%(end)s and holidays: the person on duty is told of every report at once, and is asked to acknowledge at the step of a policy that names the duty officer.":
        "夜间 %(start)s–%(end)s 及节假日：每条预警即时告知值班人员；预警策略中写明值班人员的那一级，由值班人员确认收到。",
    "On a holiday the person on duty is on call all day, not only at night.": "节假日全天由值班人员值守，不只是夜间。",
    "Each report follows the most specific active policy for its category and severity. At night and on holidays the person on duty is told at once, and a step that names the duty officer asks the person on the roster.":
        "每条预警按与其类别和级别最匹配的有效策略逐级上报。夜间和节假日即时告知值班人员；策略中写明值班人员的那一级，由值班表上的人员确认。",
}
