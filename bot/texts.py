"""Every Chinese text the bot sends, in one place so that wording can be reviewed together."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from bot.digest import WeekFigures

STATUS_NAMES = {
    "new": "待认领",
    "claimed": "办理中",
    "resolved": "已办结待评价",
    "closed": "已归档",
    "reopened": "重新办理",
    "transferred": "已转交",
    "cancelled": "已撤销",
}
# 周二说事日's six steps as a ticket's states: 商议说事 is the talk day itself, 回访宁事 the resident's rating
STEP_NAMES = {
    "new": "网格问事",
    "claimed": "具体解事",
    "reopened": "具体解事",
    "transferred": "具体解事",
    "resolved": "反馈息事",
}


def status_with_step(status: str) -> str:
    """"待认领（网格问事）": the state, and where it stands in the six steps (已归档 and 已撤销 say it already)."""
    name = STATUS_NAMES.get(status, status)
    return f"{name}（{STEP_NAMES[status]}）" if status in STEP_NAMES else name


SECRETARY_SHORT = "书记"  # how residents name the 社区书记


def grievance_why(about: str) -> str:
    """The 识别依据 of a complaint about staff, routed above them."""
    return f"对{about}的意见"


HANDLING_NAMES = {"reply": "回复解释", "handle": "受理自办", "transfer": "转交办理"}
ROLE_NAMES = {
    "grid_worker": "网格员",
    "grid_leader": "网格长",
    "secretary": "社区书记",
    "admin": "管理员",
    "resident": "居民",
    "system": "系统",  # the bot's own steps: 自动派单, 催办, 默认满意
}
RATING_NAMES = {"good": "满意", "fair": "基本满意", "bad": "不满意", "default": "默认满意"}
EMERGENCY_NUMBERS = {"fire": "119", "rescue": "119", "medical": "120", "police": "110"}
# What to do first, by what the report is about (searched in its text), else by the kind of emergency.
EMERGENCY_ADVICE_BY_WORDS = (
    (
        ("煤气", "燃气", "天然气", "液化气", "漏气"),
        "请立即拨打 119。闻到煤气味：不要开关电器、不要点火，打开门窗，关闭燃气总阀，尽快离开。",
    ),
    (
        ("着火", "起火", "火灾", "失火", "冒烟", "浓烟", "明火", "火苗", "烧起来", "🔥"),
        "请立即拨打 119。用湿毛巾捂住口鼻，低姿势沿楼梯撤离，不要乘电梯，不要返回取物。",
    ),
    (
        ("漏电", "触电", "电线", "火花", "带电"),
        "请不要靠近、不要用手碰，先拉下电闸；有人触电时先断电再施救，并拨打 120。",
    ),
    (
        ("电梯", "困在", "被困", "关在"),
        "请立即拨打 119 或电梯内的救援电话。被困人员保持冷静，不要强行扒门。",
    ),
    (
        ("水漫", "淹", "爆管", "爆裂", "漏水", "进水", "灌水", "水管"),
        "请先关闭进户总水阀，切断室内电源，把贵重物品移到高处；有人员危险请拨打 119。",
    ),
)
EMERGENCY_ADVICE = {
    "fire": "请立即拨打 119，尽快撤离到安全地方。",
    "rescue": "请立即拨打 119，在安全的地方等待救援。",
    "medical": "请立即拨打 120。不要随意搬动摔倒的老人，注意保暖，等待救护人员。",
    "police": "请立即拨打 110，注意自身安全，不要与对方正面冲突。",
}


def emergency_advice(emergency: str | None, text: str) -> str:
    if emergency == "medical" or emergency == "police":
        return EMERGENCY_ADVICE[emergency]
    for words, advice in EMERGENCY_ADVICE_BY_WORDS:
        if any(word in text for word in words):
            return advice
    return EMERGENCY_ADVICE.get(emergency or "", "如有人身危险，请立即拨打 110 / 119 / 120。")


REFUSALS = {
    "bot_actor": "机器人发出的消息不做处理。",
    "residents_cannot": "抱歉，认领、办结、转交工单需要本网格的网格员操作。如有问题可以直接在群里反映。",
    "other_grid": "抱歉，#{n} 属于{grid}，不在您负责的网格内。",
    "owned_by_other": "#{n} 由 {owner} 负责（首问负责）。如需改派，请联系网格长。",
    "leaders_only": "抱歉，延期、改派和归档需要网格长或社区书记操作。",
    "only_reporter": "抱歉，只有反映人本人才能评价 #{n}。",
    "only_reporter_or_leader": "抱歉，只有反映人本人或网格长才能撤销 #{n}。",
    "only_reporter_or_staff": "抱歉，只有反映人本人或网格员才能更改 #{n} 的类别。",
    "not_yours": "抱歉，#{n} 不是您反映的事项，无法查看进度。",
    "claim_first": "#{n} 还没有人认领，请先认领再办结。",
    "bad_status": "#{n} 目前是「{status}」状态，不能{action}。",
    "already_claimed": "#{n} 已由 {owner} 认领，无需重复认领。",
    "not_found": "没有找到工单 #{n}，请核对编号后再试。",
    "already_yours": "#{n} 已经在您名下了。",
    "extend_days_range": "延期天数需要在 1 到 365 天之间，例如：延期 12 3 等配件",
    "topic_decision_leaders_only": "抱歉，议题的决定需要本网格的网格长或社区书记记录。",
}
ACTION_NAMES = {
    "claim": "认领",
    "resolve": "办结",
    "transfer": "转交",
    "rate": "评价",
    "reopen": "重新打开",
    "complain": "反映不满意",
    "complaint": "居民再次反映",
    "reassign": "改派",
    "extend": "延期",
    "close": "归档",
    "cancel": "撤销",
    "progress": "查询",
    "note": "添加备注",
    "recategorize": "更改类别",
    "open": "受理",
    "followup": "居民补充",
    "support": "附议",
    "edit": "居民修改",
    "escalate": "督办",
    "auto_close": "默认满意归档",
}

HELP = """【网格助手使用说明】
居民：直接在群里说遇到的问题，我会登记为工单并通知网格员。
· 进度 编号 —— 查询办理进度，例如：进度 12
· 评价 编号 满意/基本满意/不满意 —— 办结后评价
· 改类 编号 类别 —— 类别识别错了可以改
· 议题 内容 —— 提交说事日的议题
网格员：
· 认领 编号 ／ 办结 编号 说明 ／ 转交 编号 部门 原因 ／ 备注 编号 内容
· 我的工单 —— 查看自己名下的工单
网格长、书记：
· 延期 编号 天数 原因 ／ 改派 编号 姓名 ／ 归档 编号 ／ 决定 议题编号 内容
小提示：直接回复我发的工单消息，可以不写编号，例如回复“认领”“办结 已清理”“满意”。"""

USAGE = {
    "claim": "请写明工单编号，例如：认领 12",
    "resolve": "请写明工单编号和办理说明，例如：办结 12 已清理完毕",
    "transfer": "请写明工单编号、部门和原因，例如：转交 12 城管执法中队 占道经营",
    "progress": "请写明工单编号，例如：进度 12",
    "rate": "请写明工单编号和评价，例如：评价 12 满意（可选：满意、基本满意、不满意）",
    "extend": "请写明工单编号和延期天数，例如：延期 12 3 等配件",
    "reassign": "请写明工单编号和网格员姓名，例如：改派 12 李娜",
    "close": "请写明工单编号，例如：归档 12",
    "cancel": "请写明工单编号，例如：撤销 12",
    "note": "请写明工单编号和备注内容，例如：备注 12 已联系物业",
    "recategorize": "请写明工单编号和类别，例如：改类 12 设施维修",
    "topic": "请写上议题内容，例如：议题 建议在3栋门口加装路灯",
    "decide": "请写明议题编号和决定，例如：决定 议题3 下周安排施工",
    "decide_or_file": "请写明议题编号和决定，例如：决定 议题3 下周安排施工（要派单办理就写：决定 议题3 立案 内容）",
}


def when(moment: dt.datetime, tz: ZoneInfo, now: dt.datetime | None = None) -> str:
    """"11月24日 09:30"; with the year when it is not this year's ("2027年11月24日 09:30")."""
    local = moment.astimezone(tz)
    year = f"{local.year}年" if now is not None and now.astimezone(tz).year != local.year else ""
    return f"{year}{local.month}月{local.day}日 {local:%H:%M}"


def ticket_opened_group(
    n: int,
    reporter: str,
    category: str,
    why: str,
    handling: str,
    worker: str,
    deadline: str,
    department: str = "",
    in_group: bool = True,
) -> str:
    reason = f"（识别依据：{why}）" if why else ""
    route = f"，将转交{department}办理" if handling == "transfer" and department else ""
    return (
        f"已受理 #{n}（{reporter}）｜{category}{reason}\n"
        f"负责人：@{worker}（{HANDLING_NAMES.get(handling, '受理自办')}{route}）\n"
        f"办结时限：{deadline} 前。办理进展会在{'群里' if in_group else '这里'}告诉您。"
    )


def ticket_opened_dm(n: int, grid: str, category: str, reporter: str, text: str, deadline: str) -> str:
    return (
        f"【新工单 #{n}】{grid} · {category}\n反映人：{reporter}\n内容：{text}\n办结时限：{deadline}\n"
        "请点「认领」，或直接回复“认领”。"
    )


def ask_to_file(category: str, why: str) -> str:
    reason = f"（{why}）" if why else ""
    guess = f"，看起来是「{category}」方面的问题{reason}" if category else ""
    return f"您好{guess}。需要登记为工单、让网格员来处理吗？点「立案」或回复“立案”；不需要请点「不是」。"


def urgent_group(emergency: str | None, text: str, leaders: str, contact: str) -> str:
    """The head of an urgent ticket's acknowledgement (the ack line below it names the number); `contact` is the
    person alerted to call back, named: a promise of "a grid worker" nobody alerted is worse than none."""
    if not contact:  # a worker's own report: the one who would call back is the one who wrote
        return f"⚠️ 紧急情况！{emergency_advice(emergency, text)}\n已同时通知{leaders}。"
    return f"⚠️ 紧急情况！{emergency_advice(emergency, text)}\n已同时通知{leaders}，{contact}马上联系您。"


def urgent_dm(n: int, grid: str, reporter: str, text: str) -> str:
    return f"【紧急】#{n} {grid}\n反映人：{reporter}\n内容：{text}\n请立即处置并电话联系居民。"


def claimed_group(n: int, worker: str, role: str = ROLE_NAMES["grid_worker"]) -> str:
    return f"#{n} 已由{role} {worker} 认领，正在处理。"


def claimed_dm(n: int, deadline: str, overdue: bool = False) -> str:
    when = f"已超过办结时限（{deadline}），请尽快办结" if overdue else f"请在 {deadline} 前办结"
    return f"您已认领 #{n}，{when}。办好后回复“办结 说明”，例如“办结 已清理完毕”。"


def resolved_group(n: int, worker: str, note: str, reporters: str, role: str = ROLE_NAMES["grid_worker"]) -> str:
    addressed = "请您" if reporters == YOU else f"{reporters} 请"  # "@张阿姨 请确认", "请您确认"
    return (
        f"#{n} 已办结：{note or '已处理'}（{role} {worker}）\n"
        f"{addressed}确认是否解决，并点下方按钮评价，或回复“满意”“基本满意”“不满意 原因”。"
    )


def rated_good(n: int, rating: str) -> str:
    return f"感谢您的评价（{rating}）！#{n} 已归档。"


def rate_after_done(numbers: list[int]) -> str:
    # A 满意 typed while the work is still under way: thanked, and told when the rating is asked for.
    tickets = "、".join(f"#{n}" for n in numbers)
    return f"谢谢您！{tickets} 还在办理中，办好后会请您确认并评价，到时再回复“满意”或“不满意 原因”就行。"


def rated_bad_group(n: int, supervisors: str) -> str:
    return f"很抱歉没让您满意。#{n} 已重新打开，已请{supervisors}督办，会尽快给您回复。"


def titled(workers) -> str:
    """"网格长陈建国、网格长刘红梅": each person with their title, or the community when nobody is configured."""
    return "、".join(f"{ROLE_NAMES[w.role.value]}{w.name}" for w in workers) or COMMUNITY


def reopened_dm(n: int, reason: str, who: str) -> str:
    return f"【督办】#{n} 居民评价不满意，已重新打开。\n原因：{reason or '未说明'}\n当前负责人：{who}，请尽快重新处理。"


def transferred_group(n: int, department: str, reason: str) -> str:
    why = f"（{reason}）" if reason else ""
    return f"#{n} 已转交 {department} 办理{why}，转交期间暂停计时，有结果会第一时间告诉您。"


def extended(n: int, days: float, reason: str, deadline: str) -> str:
    why = f"，原因：{reason}" if reason else ""
    return f"#{n} 办结时限已延长 {days:g} 天{why}，新的时限为 {deadline}。"


def reassigned(n: int, worker: str, role: str = ROLE_NAMES["grid_worker"]) -> str:
    return f"#{n} 已改派给{role} {worker}。"


def reassigned_dm(n: int, text: str, deadline: str) -> str:
    return f"【改派】#{n} 已改派给您。\n内容：{text}\n办结时限：{deadline}"


def closed_by_staff(n: int, who: str, reason: str = "", reporters: str = "") -> str:
    """To the residents who reported it (named in a group), with the reason when one was given."""
    said = f"，说明：{reason.rstrip('。')}" if reason else ""
    ask = "如有疑问，请联系网格长。" if reporters else ""
    return f"{reporters + ' ' if reporters and reporters != YOU else ''}#{n} 已由 {who} 归档{said}。{ask}"


def cancelled(n: int) -> str:
    return f"#{n} 已撤销。如还有问题，可以随时在群里反映。"


def cancelled_by_staff(n: int, who: str, reporters: str = "") -> str:
    """To the residents who reported it, when staff withdrew it (a duplicate, a report sent by mistake)."""
    named = f"{reporters} " if reporters and reporters != YOU else ""
    return f"{named}#{n} 已由 {who} 撤销。如问题还在，请在群里重新反映或联系网格长。"


def edit_detail(before: str, after: str) -> str:
    return f"原为：{before}；改为：{after}"


def edited_dm(n: int, text: str) -> str:
    return f"#{n} 居民修改了反映内容：{text}"


def resolved_by_other_dm(n: int, who: str, note: str) -> str:
    return f"#{n} 已由 {who} 办结：{note or '已处理'}。无需继续办理。"


def cancelled_dm(n: int, who: str) -> str:
    return f"#{n} 已由 {who} 撤销，无需继续办理。"


def closed_dm(n: int, who: str) -> str:
    return f"#{n} 已由 {who} 归档，无需继续办理。"


def taken_over_dm(n: int, who: str) -> str:
    return f"#{n} 已由 {who} 接手办理，您无需继续办理。"


def already_assigned(n: int, worker: str) -> str:
    return f"#{n} 目前就由 {worker} 负责，无需改派。"


def reassigned_away_dm(n: int, who: str, worker: str) -> str:
    return f"#{n} 已由 {who} 改派给 {worker}，您无需继续办理。"


def note_added(n: int) -> str:
    return f"已将备注记入 #{n} 的办理记录。"


def same_category(n: int, category: str) -> str:
    return f"#{n} 已经是「{category}」类别，无需更改。"


def recategorized(n: int, category: str, deadline: str) -> str:
    return f"#{n} 的类别已改为「{category}」，办结时限按新类别调整为 {deadline}。"


def unknown_category(name: str, choices: str) -> str:
    return f"没有“{name}”这个类别，可选：{choices}。"


def progress(n: int, category: str, status: str, owner: str, deadline: str, latest: str) -> str:
    return f"#{n}｜{category}｜{status}\n负责人：{owner}\n时限：{deadline}\n最近进展：{latest}"


def my_tickets(lines: list[str], unlisted: int = 0) -> str:
    if not lines:
        return "您名下目前没有待办工单。"
    listed = "您名下的工单：\n" + "\n".join(lines)
    if unlisted:
        listed += f"\n……另有 {unlisted} 件未列出（以上是时限最近的 {len(lines)} 件），可用“进度 编号”查看。"
    return listed


WHICH_MATTER = (
    "没有查到您反映过、还没办结的事。请问是哪件事？新问题请直接说明情况和位置，例如“3栋2单元楼道灯不亮”，我来登记。"
)
WELCOME_BACK = "不客气！有事随时告诉我。"
PRIVATE_CHATTER = (
    "您好，我是网格助手。有问题直接告诉我就行，例如“3栋楼道堆满杂物”“路灯坏了”；想问政策可以问“高龄补贴怎么申请”；"
    "查看自己反映的事，回复“我的工单”。"
)


def solved_meanwhile(n: int) -> str:
    return f"收到，已记在 #{n} 上。如果已经解决、不用再办理，请回复“撤销 {n}”。"


def sent_by_mistake(n: int) -> str:
    return f"收到，已记在 #{n} 上。如果 #{n} 是发错了、不需要办理，请回复“撤销 {n}”，工单就会撤回。"


def followup_joined(n: int) -> str:
    return f"已补充到 #{n}，网格员会一并查看。"


def supported(n: int, count: int) -> str:
    return f"这个问题已有居民反映（#{n}），已为您记为附议（共 {count} 人反映），处理结果会同时告诉您。"


def acks_summary(items: list[str]) -> str:
    return f"已受理 {'、'.join(items)}，共 {len(items)} 条，已派给负责的网格员，办理进展会在群里告诉大家。"


def supporters_summary(n: int | None, who: str, count: int) -> str:
    return f"#{n} 又有 {count} 位居民反映同一问题（{who}），已记为附议，处理结果会同时告诉大家。"


def supporters_summary_dm(n: int | None, who: str, count: int) -> str:
    return f"#{n} 新增 {count} 位居民附议：{who}。"


def supporter_dm(n: int, name: str, count: int, words: str = "") -> str:
    said = f"\n{name}说：{words}" if words else ""
    return f"#{n} 新增附议：{name}（共 {count} 人反映）。{said}"


def not_a_ticket() -> str:
    return "好的，不登记工单。有需要随时说。"


def already_answered() -> str:
    return "这个问题已经处理过了。"


def service_answer(name: str, materials: list[str], where: str, hours: str, limit: str, phone: str, notes: str) -> str:
    lines = [f"【一次性告知】{name}"]
    if materials:
        lines.append("所需材料：")
        lines.extend(f"  {i}. {item}" for i, item in enumerate(materials, 1))
    for label, value in (("办理地点", where), ("办理时间", hours), ("办理时限", limit), ("咨询电话", phone)):
        if value:
            lines.append(f"{label}：{value}")
    if notes:
        lines.append(f"温馨提示：{notes}")
    lines.append("如需网格员上门协助，请回复“需要帮助”。")
    return "\n".join(lines)


def ticket_closed_already(n: int) -> str:
    return f"#{n} 已经归档。如果问题又出现了，可以回复“不满意 原因”重新打开，或直接在群里重新反映。"


def rating_window_closed(n: int) -> str:
    # Long after 归档 a 不满意 no longer reopens it (nor flips its rating): the trouble is reported afresh.
    return (
        f"#{n} 已归档较久，评价已经截止，不能再重新打开。"
        "如果问题又出现了，请直接在群里把情况（地点、问题）重新说一下，我们会重新受理。"
    )


def ticket_cancelled_already(n: int) -> str:
    # A cancelled ticket cannot be reopened: no "不满意" here, only a fresh report.
    return f"#{n} 已撤销。如果问题还在，请直接在群里把情况（地点、问题）重新说一下，我们会重新受理。"


def ask_note_or_resolve(n: int) -> str:
    return f"这条是 #{n} 的办结说明，还是只是备注？点按钮，或回复“办结”/“备注”。"


def group_moved(grid: str, old: str, new: str) -> str:
    return (
        f"【群已升级】{grid}的群已升级为超级群，群号由 {old} 变为 {new}。网格助手已自动跟到新群，继续处理本网格的事项。"
        f"请管理员把配置文件中该网格的 chat_id 改为 {new}。"
    )


def unknown_group() -> str:
    return "您好，我是网格助手。本群还没有登记到网格服务中，暂不处理本群消息。如需开通，请联系社区管理员。"


def unknown_grid(grid_id: str, choices: str) -> str:
    return f"没有编号为“{grid_id}”的网格。请回复正确的网格编号，例如“网格 dj-1”。可选：{choices}"


def ask_grid(choices: str, example: str = "dj-1", staff: bool = False) -> str:
    asked = "请问是哪个网格的事" if staff else "请问您住在哪个网格"
    return f"您好！{asked}？回复网格编号即可，例如“网格 {example}”。可选：{choices}"


def grid_set(grid: str) -> str:
    return f"好的，已记下您属于{grid}。请直接说遇到的问题。"


def dm_welcome() -> str:
    return "您好，我是网格助手。有问题直接告诉我；回复“帮助”查看使用说明。"


def which_ticket_to_rate(numbers: list[int], rating: str | None = None) -> str:
    """`rating`: what they said ("good" for 满意), echoed in the example rather than a made-up 不满意."""
    listed = " ".join(f"#{n}" for n in numbers)
    example = RATING_NAMES[rating] if rating in ("good", "fair") else "不满意 原因"
    return f"您有 {len(numbers)} 件工单待评价（{listed}），请说明评价哪一件，例如：评价 {numbers[0]} {example}。"


def which_ticket_to_resolve(numbers: list[int]) -> str:
    listed = " ".join(f"#{n}" for n in numbers)
    return f"您手上有 {len(numbers)} 件在办（{listed}），请写明办结哪一件，例如：办结 {numbers[0]} 已清理完毕。"


def complaint_before_done(n: int, who: str) -> str:
    return f"#{n} 还没有办结，您的意见已转告{who}，办好后会请您确认。"


def complaint_on_reopened(n: int) -> str:
    return f"#{n} 正在重新办理，您的意见已转告负责人，办好后会再请您确认。"


def complaint_dm(n: int, name: str, reason: str, reopened: bool = True) -> str:
    if reopened:
        return f"#{n} 重新办理中，{name} 又反映：{reason or '仍不满意'}。请抓紧处理。"
    return f"#{n} 还没有办结，{name} 反映：{reason or '不满意'}。请抓紧处理。"


def confirm_rating_prompt(n: int) -> str:
    return f"#{n} 请点按钮评价，或回复“满意”“基本满意”“不满意 原因”。"


def rating_reminder(n: int, reporter: str, closes: str) -> str:
    return f"@{reporter} #{n} 已办结，还没收到您的评价。问题解决了吗？请点按钮评价；{closes} 前未评价将按默认满意归档。"


def revisit(n: int, text: str, name: str) -> str:
    return (
        f"【回访】@{name} 您之前反映的 #{n}（{text}）现在还好吗？"
        "如果问题又出现了，请回复“不满意 原因”，我们会重新处理。"
    )


def auto_closed(n: int) -> str:
    return f"#{n} 办结后未收到评价，已按默认满意归档。"


def processing_failed() -> str:
    return "抱歉，系统处理这条消息时出了点问题。您的消息已保存，管理员会尽快处理，不需要重发。"


def processing_failed_admin(inbox_id: int, chat_id: str, text: str) -> str:
    return (
        f"【处理失败】收件箱第 {inbox_id} 条（会话 {chat_id}）处理出错，消息已保存。请查看日志，问题解决后运行"
        f"“gridbot inbox --retry {inbox_id}”重新处理。\n内容：{text}"
    )


# -- stand-ins where a name or a detail is missing ---------------------------------------------------------
BOT_NAME = "网格助手"  # the name the bot's own steps carry in the ticket's 办理记录
OWNER_WHEN_UNCLAIMED = "待认领"  # the 负责人 of a ticket nobody has claimed yet: one word wherever it is shown
OTHER_WORKER = "其他网格员"  # the owner named in a refusal when the ticket's assignee has no name
YOU = "您"  # whom a message addresses when there is no one to @mention
# In an "@bot only" group a typed answer reaches the bot only with an @ or as a reply to its message.
TYPED_ANSWER = "回复“"
ADDRESS_ME = "（本群里请 @我，或直接回复这条消息，我才能收到）"
COMMUNITY = "社区"  # who is told of an urgent ticket when the grid has no leaders or secretaries
MANY_RESIDENTS = "多位居民"  # who supported a ticket when the summary has no names
PHOTO = "[照片]"
DISCUSSED = "已商议"  # a talk-day decision recorded without words
UNKNOWN_USER = "未知用户"
CHANNEL = "频道"

BUTTONS = {
    "claim": "认领",
    "transfer": "转交",
    "good": "满意",
    "fair": "基本满意",
    "bad": "不满意",
    "resolve": "办结",
    "note": "只是备注",
    "file": "立案",
    "dismiss": "不是",
}
# The short answers shown when a button is pressed.
TOASTS = {
    "stale_button": "这个按钮已失效。",
    "claimed": "已认领 #{n}",
    "transferred": "已转交 #{n}",
    "rated": "感谢评价",
    "not_the_asker": "这个问题是问发消息的居民本人的，请由本人回答。",
    "resolved": "已办结",
    "noted": "已记为备注",
    "dismissed": "好的",
    "grid_missing": "找不到这个网格了，请在网格群里再说一次。",
    "filed": "已立案",
    "failed": "操作没有成功，请稍后再试。",
}
# The Telegram command menu.
COMMAND_MENU = {
    "help": "使用说明",
    "mine": "我的工单",
    "status": "查询进度：/status 编号",
    "claim": "认领工单：/claim 编号",
    "done": "办结工单：/done 编号 说明",
}


def unknown_command() -> str:
    return "没有这个命令。回复“帮助”查看可用的命令。"


def transfer_menu(n: int) -> str:
    return f"#{n} 转交给哪个部门？也可以回复“转交 {n} 部门 原因”。"


def resolved_dm(n: int) -> str:
    return f"#{n} 已办结，已请居民评价。"


def unknown_department(name: str, choices: str) -> str:
    return f"没有“{name}”这个部门，可选：{choices}。"


def transferred_dm(n: int, department: str) -> str:
    return f"#{n} 已转交 {department}。部门有结果后，回复“办结 {n} 说明”。"


def unknown_worker(name: str, choices: str) -> str:
    return f"本网格没有叫“{name}”的工作人员，可选：{choices}。"


def my_tickets_line(n: int, category: str, status: str | None, deadline: str, overdue: bool, text: str) -> str:
    flag = " ⚠️已超期" if overdue else ""
    return f"#{n} {category}｜{status}｜时限 {deadline}{flag}｜{text}"


def followup_dm(n: int, detail: str) -> str:
    return f"#{n} 居民补充：{detail or PHOTO}"


def supporter_names(names: list[str], most: int) -> str:
    return "、".join(names[:most]) + ("等" if len(names) > most else "")


def ticket_opened_head(text: str) -> str:
    """'#12（张阿姨）' from the head of a ticket_opened_group text."""
    return text.split("｜")[0].removeprefix("已受理 ")


def send_failed_admin(chat_id: str, attempts: int, error: str, text: str) -> str:
    return f"【发送失败】发往 {chat_id} 的消息发送失败，已尝试 {attempts} 次（{error}），请检查。\n原文：{text}"


# -- what the 办理记录 says of a step (shown in 进度 and the ledger) ------------------------------------------
SUPPORT_DETAIL = "附议"


def support_detail(words: str) -> str:
    return words or SUPPORT_DETAIL  # the 台账 names the action 附议 already


def rated_bad_detail(reason: str) -> str:
    return f"不满意 {reason}".strip()


def extended_detail(days: float, reason: str) -> str:
    return f"{days:g}天 {reason}".strip()


def escalation_detail(level: int) -> str:
    return "督办网格长" if level == 1 else "督办社区书记"


def followup_detail(text: str, photo: bool) -> str:
    return (f"{PHOTO} " if photo else "") + text


# -- 周二说事日 ------------------------------------------------------------------------------------------------
DAY = "天"  # "延期 3 3天": the unit people add to a number of days
TOPIC_WORD = "议题"  # how a talk-day topic is numbered: 议题3
SIX_STEPS = "网格问事 → 商议说事 → 具体解事 → 反馈息事 → 回访宁事 → 归档完事"
TOPIC_DECISION_WHY = "说事日决定"  # the 识别依据 of a ticket filed from a talk-day decision


def topic_already_in(topic: int) -> str:
    return f"这个议题已经收录过了（议题{topic}），说事日会一起商议。"


def topic_added(topic: int, text: str) -> str:
    return f"已收录为说事日议题{topic}：{text.rstrip('。！？!?.；;，, ')}。说事日会一起商议。"


def topic_not_found(number: str) -> str:
    return f"没有找到议题{number}。"


def topic_already_decided(topic: int, decision: str) -> str:
    return f"议题{topic} 已经有决定了：{decision}" if decision else f"议题{topic} 已经商议过了。"


def decision_updated(topic: int, decision: str) -> str:
    return f"已更新议题{topic}的决定：{decision}。下次说事日向大家反馈。"


def topic_ticket_text(topic: int, text: str, decision: str) -> str:
    return f"议题{topic}：{text}（决定：{decision}）"


def decision_recorded(topic: int, decision: str) -> str:
    return f"已记录议题{topic}的决定：{decision or DISCUSSED}。下次说事日向大家反馈。"


TOPICS_CALL_HEAD = "【议题征集】"  # a reply to the message starting so is a topic


def talk_day_notice(start: dt.datetime) -> str:
    return (
        f"{TOPICS_CALL_HEAD}明天（{start.month}月{start.day}日 {start:%H:%M}）是说事日。大家有什么想商量的事，"
        "请回复“议题 内容”，例如：议题 建议在3栋门口加装路灯。说事日会把议题和未办结事项一起商议。"
    )


def agenda_head(grid: str, weekday: int) -> list[str]:
    """`weekday`: 0 = Monday; most grids talk on Tuesday (周二说事日), some on another day."""
    return [f"【周{'一二三四五六日'[weekday]}说事日·议程】{grid}", f"流程：{SIX_STEPS}"]


AGENDA_FOOTER = "网格长记录决定：决定 议题编号 内容（要派单办理写：决定 议题编号 立案 内容）"


def agenda_decision(topic: int, text: str, decision: str, ticket: int | None) -> str:
    follow = f"（已立案 #{ticket}）" if ticket else ""
    return f"  议题{topic} {text} → {decision or DISCUSSED}{follow}"


def clip(text: str, length: int) -> str:
    """The start of a resident's text for a one-line listing, marked "…" when cut."""
    return text if len(text) <= length else text[:length] + "…"


def agenda_decisions(any_decisions: bool) -> str:
    return "一、上周决定的反馈：" if any_decisions else "一、上周决定的反馈：无"


def agenda_topics(any_topics: bool) -> str:
    return "二、本周议题：" if any_topics else "二、本周议题：暂无，欢迎现场提出。"


def agenda_topic(topic: int, text: str, who: str) -> str:
    return f"  议题{topic} {text}（{who}）"


def agenda_unlisted(unlisted: int, listed: int) -> str:
    return f"  ……另有 {unlisted} 件未列出（以上是时限最近的 {listed} 件）。"


def agenda_pending(any_pending: bool) -> str:
    return "三、未办结事项：" if any_pending else "三、未办结事项：无"


def agenda_ticket(n: int, category: str, status: str | None, owner: str, text: str, overdue: bool) -> str:
    """`owner` empty for a ticket nobody has claimed: its status (待认领) says so already."""
    flag = "⚠️已超期 " if overdue else ""
    return f"  {flag}#{n} {category}｜{status}｜{owner + '｜' if owner else ''}{text}"


# -- 催办 and 督办 -------------------------------------------------------------------------------------------
def deadline_near_dm(n: int, deadline: str) -> str:
    return f"【催办】#{n} 将于 {deadline} 到期，请抓紧办理。办好后回复“办结 说明”。"


def deadline_reached_group(owner: str, n: int) -> str:
    return f"@{owner} #{n} 已到办结时限，请尽快办理并反馈。"


def overdue_leader_dm(n: int, grid: str, owner: str, text: str) -> str:
    return f"【督办】#{n}（{owner}）已超过办结时限，请督促办理。\n网格：{grid}\n内容：{text}"


def overdue_secretary_dm(n: int, grid: str, owner: str, late_minutes: int, text: str) -> str:
    return f"【督办】#{n}（{owner}）已超期{waited(late_minutes)}，请书记督办。\n网格：{grid}\n内容：{text}"


def escalated_owner_dm(n: int, to: str) -> str:
    """To the worker who owns it: the ticket went over his head, and to whom (首问负责: it is still his)."""
    return f"【督办】#{n} 已超过办结时限，已报{to}督办。工单仍由您负责，请尽快办结，办好后回复“办结 {n} 说明”。"


def unclaimed_group(names: str, n: int) -> str:
    return f"{names} #{n} 还没有人认领，请尽快认领：回复“认领 {n}”。"


def unclaimed_summary(names: str, numbers: list[int]) -> str:
    listed = " ".join(f"#{n}" for n in numbers)
    return f"{names} {listed} 共 {len(numbers)} 件还没有人认领，请尽快认领：回复“认领 编号”。"


def unclaimed_leader_dm(n: int, grid: str, minutes: int, text: str) -> str:
    return f"【督办】#{n} 已{waited(minutes)}无人认领，请安排。\n网格：{grid}\n内容：{text}"


def waited(minutes: int) -> str:
    """A wait as a person says it: "45 分钟", "2 小时", "1 天 3 小时" (never "1441 分钟")."""
    if minutes < 120:
        return f" {minutes} 分钟"
    hours = minutes // 60
    if hours < 48:
        return f" {hours} 小时"
    days, hours = divmod(hours, 24)
    return f" {days} 天" + (f" {hours} 小时" if hours else "")


# -- 每周简报 ------------------------------------------------------------------------------------------------
def weekly_digest(grid: str, first: dt.date, last: dt.date, f: WeekFigures, claim_window_minutes: float) -> str:
    return (
        f"【每周简报】{grid}（{first.month}月{first.day}日—{last.month}月{last.day}日）\n"
        f"新受理 {f.new} 件，办结归档 {f.closed} 件，目前未办结 {f.open} 件，其中超期 {f.overdue} 件。\n"
        f"响应率 {f.response_rate}"
        f"（{claim_window_minutes:g} 分钟内认领 {f.claimed_in_window}/{f.claimable}）；"
        f"解决率 {f.resolution_rate}（按时办结 {f.resolved_in_time}/{f.resolved}）；"
        f"满意率 {f.satisfaction_rate}（满意+基本满意 {f.satisfied}/{f.rated}）。"
    )


# -- the 台账 for admins: the CLI listing and the Excel export ----------------------------------------------
NO_TICKETS_LISTED = "（没有工单）"
URGENT_FLAG = "【紧急】"
YES = "是"
NO = "否"
LEDGER_TICKETS_SHEET = "工单"
LEDGER_TICKETS_HEADERS = (
    "编号",
    "状态",
    "网格",
    "类别",
    "办理方式",
    "紧急",
    "反映人",
    "内容",
    "地点",
    "承办人",
    "转交部门",
    "受理时间",
    "时限",
    "认领时间",
    "办结时间",
    "归档时间",
    "评价",
    "附议人数",
    "超期",  # finished after its deadline, or still open past it (a transferred one's clock is paused)
)
LEDGER_EVENTS_SHEET = "办理记录"
LEDGER_EVENTS_HEADERS = ("工单编号", "时间", "操作", "操作人", "角色", "原状态", "新状态", "说明")


NO_FAILED_INBOX = "收件箱里没有处理失败的消息。"


def failed_inbox_line(inbox_id: int, received: str, chat_id: str, text: str, error: str) -> str:
    return f"第 {inbox_id} 条｜{received}｜会话 {chat_id}｜{text[:40]}\n    错误：{error.splitlines()[0][:160]}"


def inbox_retried(inbox_id: int, status: str) -> str:
    outcome = {"done": "已处理", "failed": "仍然失败，请查看日志", "pending": "待处理"}.get(status, status)
    return f"第 {inbox_id} 条：{outcome}"


def inbox_missing(inbox_id: int) -> str:
    return f"第 {inbox_id} 条：收件箱里没有这条消息。请先运行“gridbot inbox”查看处理失败的消息及其编号。"


def inbox_not_failed(inbox_id: int) -> str:
    return f"第 {inbox_id} 条：不是处理失败的消息，没有重新处理。"


INBOX_RETRY_SENDS = "重新处理产生的回复已写入发件箱，运行中的机器人会在几秒内发出（未运行则在下次启动时发出）。"


def ledger_exported(count: int, path: str) -> str:
    return f"已导出 {count} 件工单到 {path}"


# -- the command line: a database or a Bot API that is not there -------------------------------------------
def set_in_environment(variable: str) -> str:
    return f"环境变量 {variable}"


def set_in_file(path: str, key: str) -> str:
    return f"{path} 中的 {key}"


def database_missing(path: object, source: str) -> str:
    return (
        f"找不到数据库文件 {path}（来自 {source}），没有新建空库。"
        "请核对路径，或先运行 gridbot run 或 gridbot migrate 建库。"
    )


def database_unusable(reason: str, source: str) -> str:
    return f"数据库无法使用（{reason}），请核对 {source} 中的数据库地址，以及数据库服务是否已启动。"


def database_created(path: object) -> str:
    return f"新建数据库文件 {path}"


def token_rejected(source: str) -> str:
    return f"Telegram 拒绝了机器人令牌，机器人没有启动。请核对令牌（{source}），应是 BotFather 发给你的完整令牌。"


def bot_api_retrying(host: str, error: str, delay: float, attempt: int, retries: int) -> str:
    return f"连不上 Telegram Bot API（{host}）：{error}；{delay:g} 秒后重试（第 {attempt}/{retries} 次）"


def bot_api_unreachable(host: str, error: str, retries: int, source: str) -> str:
    tried = f"重试 {retries} 次仍失败，" if retries else ""
    return (
        f"连不上 Telegram Bot API（{host}），{tried}机器人没有启动（{error}）。"
        f"请检查网络和代理，以及 Bot API 地址（{source}）。"
    )


def start_refused(error: str) -> str:
    return f"Telegram 拒绝了启动请求，机器人没有启动：{error}"
