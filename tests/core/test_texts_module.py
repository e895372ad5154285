"""Every Chinese text the bot sends lives in bot/texts.py; other modules hold only the words they recognise.

A string literal with Chinese characters anywhere else under bot/ or handlers/ fails this test unless it is
listed below, by module, enclosing name and exact text, as input vocabulary (command words, ratings, place
and number words the bot parses). A reply, button label, toast, summary or refusal written inline fails: put
it in bot/texts.py and call it from there. Docstrings and comments are not looked at; literals of punctuation
only (the "、" a list is joined with) are not Chinese text.
"""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
NOT_CHECKED = ("bot/texts.py", "bot/demo.py", "bot/sandbox/")  # the texts; the demo's scripted residents; the sandbox

# (module, enclosing name) -> the Chinese literals allowed there.
VOCABULARY: dict[tuple[str, str], set[str]] = {
    ("bot/commands.py", "VERBS"): {
        *("认领", "接单", "办结", "转交", "进度", "查询", "我的工单", "评价", "延期", "改派", "归档", "撤销"),
        *("备注", "改类", "帮助", "立案", "不是", "议题", "决定", "需要帮助", "网格"),
    },
    ("bot/commands.py", "RATINGS"): {
        *("满意", "非常满意", "很满意", "挺满意", "十分满意", "特别满意", "好评", "基本满意"),
        *("不满意", "不太满意", "很不满意", "非常不满意", "差评", "没解决", "还没解决"),
        *("没修好", "还没修好", "没弄好", "还没弄好", "没处理好", "还没处理"),
    },
    ("bot/commands.py", "_SOFT_RATINGS"): {"很好", "挺好", "不错", "挺不错", "很不错", "还行", "还可以", "凑合"},
    ("bot/commands.py", "_OF_THE_WORK"): {  # what a word of praise is said of, when it is a rating
        r"^[#＃]?[0-9]|修|弄|处理|解决|换|清|亮|通|师傅|速度|及时|效率|服务|态度|负责|辛苦|谢"
    },
    ("bot/commands.py", "_RATING_RE"): {r")[啊呀哦呢嘛啦哈吧]*(?:$|[\s,，:：。!！?？~～]+(?P<rest>.*)$)"},
    ("bot/commands.py", "_ACKNOWLEDGEMENT_RE"): {
        r"^(?:谢谢|感谢|多谢|谢啦|辛苦了?|收到|好的|好滴|嗯+|哦+|知道了|明白了?|ok|OK|👍|🙏|👌|\[强\]|\[抱拳\])+"
        r"(?P<rest>[^也同样还没不坏]{0,4})[\s!！。.~～,，]*$",
    },
    ("bot/commands.py", "_VERB_RE"): {  # "认领：12" "认领第12单" "认领 12号"; the separators of "认领2、3"
        r")(?:\s*[:：]?\s*第?\s*[#＃]?\s*(?P<number>\d{1,9})(?!\d)(?:号|单|号单)?)?"
        r"(?:(?P<sep>\s+|[:：,，、])(?P<rest>.*?))?[。.!！]?$"
    },
    ("bot/commands.py", "_MORE_NUMBERS"): {r"^(?:[\s、,，和]*[#＃]?\d{1,9}(?!\d))+[\s、,，]*$"},  # "认领 1、2 和 3"
    ("bot/commands.py", "_NUMBERS_THEN_NOTE"): {  # "办结 1、2 都处理好了", not "办结 3 2楼灯已换"
        r"^(?P<numbers>(?:[\s、,，和]*[#＃]?\d{1,9}(?![\d楼栋号单元层室户天]))+)(?:\s+(?P<note>.*))?$"
    },
    ("bot/complaints.py", "_GRIEVANCE"): {  # words of a grievance against a member of staff
        r"(?:态度(?:太|很|极|特别|真|非常|也)?(?:差|不好|恶劣|生硬|冷漠|蛮横|有问题)|也不管|都不管|不管不问|爱理不理|"
        r"不理人|不理睬|敷衍|推诿|推来推去|踢皮球|不作为|不管事|甩脸|骂人|不耐烦|说话难听|"
        r"拖着不办|怎么回事|怎么搞的|干什么吃的|干啥吃的|不负责|一直不来|还不来|没来过|人影都没)"
    },
    ("bot/complaints.py", "_FILED"): {"投诉"},
    ("bot/intake.py", "_ASKS_AFTER_OWN"): {  # a resident asking after their own reports
        r"我(?:们)?[^，。,.!！?？\s]{0,6}(?:反映|报|说|提)(?:过)?的(?:事|事情|问题)[^，。,.!！]{0,4}"
        r"(?:怎么样|咋样|如何|有进展|有消息|有结果|处理了|办了|进度)",
    },
    ("bot/intake.py", "_VAGUE_CHASE"): {  # a chase that names no matter
        r"(?:那个|这个|那件|这件|上次|之前|前几天|前两天|我说|说过|讲过|跟你说|和你说)的?(?:事|事情|问题)[^，。,.!！]{0,4}"
        r"(?:怎么样|咋样|如何|有进展|有消息|有结果|处理了|办了|进度|什么时候|啥时候|弄好|搞好|解决)"
        r"|(?:什么时候|啥时候|几时|哪天)(?:能|可以|有空)?(?:过来|来|上门)(?:帮忙|帮我们|帮我)?(?:看|修|处理|弄|瞧|解决)"
        r"|怎么还没(?:人)?(?:来|过来|上门)"
    },
    ("bot/intake.py", "_PHOTO_WORDS"): {"照片", "图片", "相片", "拍照", "视频"},
    ("bot/intake.py", "_SENT_BY_MISTAKE"): {r"发错了|发错群|发错地方|请忽略|搞错了|弄错了|不用管了|不用理"},
    ("bot/intake.py", "_CAME_BACK"): {r"又(?:坏|漏|堵|停|不亮|不通|不行|出现|开始|满|堆|积|脏|乱|吵|臭|来了|有人)"},
    ("bot/intake.py", "_NOT_FIXED"): {  # said of a ticket marked done: it is not
        r"(?:还是|仍然|依然|照样|根本)(?:没|不|坏)|没修好|没弄好|没解决|没处理好|又坏了|又不亮了"
    },
    ("bot/matters.py", "_ONE_FAULT"): {  # words for one fault: "渗水" and "漏水" are one leak
        *("渗水", "漏雨", "滴水", "漏水", "断电", "没电", "停电", "断水", "没水", "停水", "堵塞", "堵住", "堵了"),
    },
    ("bot/matters.py", "_FAULT"): {"坏了", "坏掉", "不亮", "不通", "跳闸", "停了", "满了"},  # a fault by itself
    ("bot/places.py", "is_building"): {"栋"},
    ("bot/places.py", "_PLACE_RE"): {r"([0-9一二三四五六七八九十]+)\s*(栋|号楼|幢|单元|号门)"},
    ("bot/places.py", "_SPOT_RE"): {  # a 单元, a numbered gate, a compass gate: "3栋2单元" is not "3栋1单元"
        r"([0-9一二三四五六七八九十]+)\s*(单元|号门)|((?:东南|东北|西南|西北|东|西|南|北)门)(?!子)"
    },
    ("bot/places.py", "_CN_DIGITS"): {"零一二三四五六七八九"},
    ("bot/places.py", "numbered_place"): {"栋", "号楼", "幢"},  # "三号楼" is the same place as "3栋"
    ("bot/places.py", "_number"): {"十"},
    ("bot/places.py", "count_of"): {"两", "二", "十"},  # "延期 3 两天"  # "二十三号楼" is 23栋
    ("bot/services.py", "_ASKING"): {
        r"问|咨询|怎么|如何|哪里|哪儿|在哪|去哪|到哪|找谁|咋|需要什么|要带|要什么|能不能办|可以办|流程|手续|[?？吗]"
    },
    ("bot/services.py", "_STALLED"): {
        r"(个月|多月|天|周|星期|年)了?[，,\s]*(还|都|也)?没|迟迟|一直没|拖了|没下文|没消息|怎么回事|咋回事"
        r"|没到账|没发下来|没有发|没发|没收到|停发"
    },
    ("bot/services.py", "_NEEDING"): {r"(?:要|想|得|需要|准备|打算)(?:去)?(?:补办|办理|办(?!法)|申请|认证)"},
    ("bot/services.py", "_CLAUSE_BREAK"): {r"[，。,.!！?？；;\s]+|另外|还有|顺便|再问"},  # where one matter ends
    ("bot/talkday.py", "_DECISION_RE"): {r"^议题\s*[#＃]?([0-9]+)\s*(.*)$"},
    ("bot/talkday.py", "decide_topic"): {"立案"},  # "决定 议题3 立案 …" turns the decision into a ticket
    ("bot/commands.py", "parse"): {"决定议题", "决定"},  # "决定议题1 …" typed without a space
    ("bot/commands.py", "_PROPOSE_RE"): {  # "我想提个议题：…"
        r"^(?:我|我们)?(?:想|要)?提(?:个|一个|一下|条)?议题\s*[:：，,]?\s*(?P<rest>.*)$"
    },
    ("bot/ticket_commands.py", "starts_with_number"): {"天"},  # "延期 12 3天 等配件"
}
# Not messages of the bot: English help for admins naming a Chinese term, and the developer's classifier
# printout (bilingual labels, like nlp/ itself).
TOOLING: dict[tuple[str, str], set[str]] = {
    ("bot/cli.py", "report"): {"Also export the 台账 (tickets and events) to this Excel file."},
    ("bot/nlp_cli.py", "INTENT_NAMES"): {"诉求", "闲聊"},
    ("bot/nlp_cli.py", "classify_command"): {
        *("是", "否", "意图 intent: ", ")  把握 confidence: ", "类别 category: ", "  办理 handling: "),
        *("紧急 urgent: ", "依据 basis: ", "提问 question", "已解决 resolved", "标记 flags: "),
    },
}
ALLOWED = {**VOCABULARY, **TOOLING}


def chinese_literals(source: str) -> list[tuple[str, str, int]]:
    """(enclosing name, literal, line) of every string constant with Chinese characters, docstrings aside.

    The enclosing name is the outermost function or class ("Class.method" for a method) or, at module level,
    the name assigned to; pieces of an f-string count as literals.
    """
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if scope == "<module>":
                    inner = child.name
                elif isinstance(node, ast.ClassDef):  # a method is named with its class
                    inner = f"{scope}.{child.name}"
            elif scope == "<module>" and isinstance(child, (ast.Assign, ast.AnnAssign)):
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                inner = ",".join(t.id for t in targets if isinstance(t, ast.Name)) or scope
            if (
                isinstance(child, ast.Constant)
                and isinstance(child.value, str)
                and CHINESE.search(child.value)
                and id(child) not in docstrings
            ):
                found.append((inner, child.value, child.lineno))
            visit(child, inner)

    visit(tree, "<module>")
    return found


def checked_modules() -> list[str]:
    paths = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]
    names = sorted(str(p.relative_to(ROOT)).replace("\\", "/") for p in paths)
    return [name for name in names if not name.startswith(NOT_CHECKED)]


def test_no_module_outside_texts_writes_chinese_inline():
    inline = [
        f"{module}:{line} ({scope}): {text!r}"
        for module in checked_modules()
        for scope, text, line in chinese_literals((ROOT / module).read_text(encoding="utf-8"))
        if text not in ALLOWED.get((module, scope), set())
    ]
    assert not inline, "Chinese text outside bot/texts.py (move it there):\n" + "\n".join(inline)


def test_every_allowed_literal_is_still_there():
    """A stale entry would let a reply with the same words slip in later."""
    present = {
        (module, scope, text)
        for module in checked_modules()
        for scope, text, _ in chinese_literals((ROOT / module).read_text(encoding="utf-8"))
    }
    stale = [(module, scope, text) for (module, scope), texts in ALLOWED.items() for text in texts]
    assert [entry for entry in stale if entry not in present] == []


def test_an_inline_reply_is_found():
    source = '''
"""模块说明。"""
VERBS = {"认领": "claim"}


class Intake:
    """类说明。"""

    def claim(self, ctx):
        """方法说明。"""
        ctx.reply(f"#{ctx.n} 已认领，谢谢！")
        return "感谢评价"


def helper():
    def inner():
        return "好的"
    return "、".join([]) + "、"
'''
    assert chinese_literals(source) == [
        ("VERBS", "认领", 3),
        ("Intake.claim", " 已认领，谢谢！", 11),
        ("Intake.claim", "感谢评价", 12),
        ("helper", "好的", 17),
    ]
