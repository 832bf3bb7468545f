# zh-Hans for the documents app (python scripts/translate.py scripts/translations/*.py).
# The documents themselves are 公文 and written in Chinese; these are the pages around them.
ZH = {
    "Documents": "文书", "documents": "文书", "document": "文书", "Comprehensive report": "综合报告",
    "Review report": "复盘报告", "Word (.docx)": "Word（.docx）", "PDF": "PDF", "queued": "排队中",
    "generating": "生成中", "done": "已完成", "failed": "失败", "incident": "应急事件", "format": "格式",
    "state": "状态", "progress": "进度", "requested at": "提出时间",
    "Choose the comprehensive report or the review report.": "请选择综合报告或复盘报告。",
    "Choose Word (.docx) or PDF.": "请选择 Word（.docx）或 PDF。",
    "You may not see this incident.": "您无权查看该事件。",
    "The person who asked may no longer see this incident.": "申请人已无权查看该事件。",
    "Documents are generated for a person; an integration token cannot.": "文书须由具体人员申请生成，集成令牌不能代替。",
    "The document is not generated yet.": "文书尚未生成。",
    "The comprehensive report and the review report of an incident, generated from the record as Word or PDF.":
        "依据系统记录生成事件的综合报告和复盘报告（Word 或 PDF）。",
    "Generate": "生成", "Download": "下载", "No documents yet.": "尚未生成文书。", "Size": "大小",
    "Generated in the background from the record; the file's SHA-256 and the generation are on the incident's timeline.":
        "文书在后台依据记录生成；生成情况和文件的 SHA-256 记入事件时间线。",
    "Generation failed:": "生成失败：",
    "Document requested": "申请生成文书", "Document generated": "文书已生成",
    "Document generation failed": "文书生成失败",
    "No incidents.": "暂无应急事件。", "unit": "单位", "status": "状态",
}
