# zh-Hans for this round's lead work (guardian verification by SMS reply).
ZH = {
    "The SMS provider's inbound callback: guardians' replies": "短信上行回调：家长回复核验码",
    "The body is not JSON.": "请求体不是 JSON。",
    "Too many replies in one callback.": "一次回调中的回复过多。",
    "Wrong key.": "密钥错误。",
    "The body is too large.": "请求体过大。",
}
