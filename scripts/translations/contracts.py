# zh-Hans for the contracts laid down before issues 16 and 17 (new apps, student accounts,
# verified guardian phones).
ZH = {
    "Daily monitoring": "日常监测",
    "Leave and off-campus lodging": "请销假与校外住宿",
    "Hazard campaigns": "风险隐患排查",
    "Care ledger": "一生一档",
    "Talks and parent contacts": "谈心谈话与家校联系",
    "Handovers": "工作交接",
    "account": "账号",
    "verified guardian phone": "已核验的监护人电话",
    "guardian phone verified at": "监护人电话核验时间",
}
ZH.update(
    {
        "Tonight": "今晚在寝",
        "Leave": "请销假",
        "Talks": "谈心谈话",
    }
)
ZH.update({"Screening": "心理普测"})
ZH.update(
    {
        "raised by": "触发规则",
        "resolved at": "自动解除时间",
        "resolution": "解除说明",
        "Raised automatically by a rule": "系统规则自动上报",
        "Resolved automatically": "已自动解除",
    }
)
ZH.update({"About the academic warning: ": "关于学业预警："})
ZH.update({"My roll calls (last 14 nights)": "我的查寝记录（近14晚）", "no record": "无记录"})
# Django's own wording for its messages (a table must not re-translate them differently), and
# the msgids renamed where two modules meant different things by one English word.
ZH.update(
    {
        "This field is required.": "这个字段是必填项。",
        "Enter a number.": "输入一个数字。",
        "Handed over by": "移交人",
        "Refused: nothing imported": "已拒绝，未导入",
        "leave from": "开始时间",
    }
)
ZH.update(
    {
        "A card number appears twice in the batch.": "同一批中卡号重复出现。",
        "Between 1 and %(n)d cards per batch.": "每批 1 至 %(n)d 张卡。",
        "Send which card number is whose (campus-card list); all or none": "上传卡号与学号的对应（校园卡名单），全部成功或全部不导入",
    }
)
