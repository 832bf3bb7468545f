# zh-Hans for strings added by the architecture work (python scripts/translate.py scripts/translations/*.py).
ZH = {
    "Demo school": "示范学校",
}
