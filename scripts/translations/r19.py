# zh-Hans for this round's lead work (code sign-in limits, 休学 requests, handover counts).
ZH = {
    "Too many attempts from this network. Try again in an hour.": "此网络尝试次数过多，请一小时后再试。",
}
