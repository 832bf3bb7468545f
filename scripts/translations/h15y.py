# zh-Hans for branch h15y (issue 15 gaps: incident page links, stuck documents, review report access).
ZH = {
    "last progress at": "最近进展于",
    "Generate it again": "重新生成",
    "The review report is for the incident's command group and the offices that oversee reviews.":
        "复盘报告仅限事件指挥部成员及负责复盘的学校部门（学生处、校领导）查看。",
    "Investigation evidence: add files to the investigation (multipart: files; checked as report attachments)":
        "上传调查证据材料（multipart：files；与预警附件同样检查）",
    "Progress report with evidence files (multipart: text, files; checked as report attachments)":
        "报告落实进展并附证据材料（multipart：text、files；与预警附件同样检查）",
    "Submit for inspection with evidence files (multipart: evidence_text, files)":
        "提交检查并附证据材料（multipart：evidence_text、files）",
    "Submit the evidence for inspection (with files: …/submit/files)": "提交证据材料以供检查（附文件：…/submit/files）",
    "the investigation's evidence": "调查证据材料",
    "files sent with progress reports and the submission": "落实进展及提交检查时所附材料",
    "sniffed from the bytes, as for report attachments": "按文件内容识别（与预警附件相同）",
    "Add evidence files to the investigation": "为调查上传证据材料",
    "Report a corrective action's progress with evidence files": "报告整改落实进展并附证据材料",
    "Submit a corrective action for inspection with evidence files": "提交整改检查并附证据材料",
}
