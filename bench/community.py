"""A synthetic county for benchmarks: N grids with their groups and workers, built from the example config."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import Config, parse_config

ROOT = Path(__file__).resolve().parents[1]


def county_config(grids: int, database_url: str, workers_per_grid: int = 2, extra: str = "") -> Config:
    """The example's settings and categories, with `grids` grids, their workers and one leader per 10 grids."""
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    head = example.split("\n[[grids]]")[0].rsplit("# ----", 1)[0]
    categories = "[[categories]]" + example.split("[[categories]]", 1)[1]
    lines = [head]
    for g in range(grids):
        lines.append(f'[[grids]]\nid = "g{g}"\nname = "第{g}网格"\nchat_id = {-1002000000000 - g}\n')
    worker_id = 100000
    for g in range(grids):
        for _ in range(workers_per_grid):
            worker_id += 1
            lines.append(
                f'[[workers]]\nname = "网格员{worker_id}"\ntelegram_id = {worker_id}\nrole = "grid_worker"\n'
                f'grids = ["g{g}"]\n'
            )
    for leader in range(0, grids, 10):
        ids = ", ".join(f'"g{g}"' for g in range(leader, min(grids, leader + 10)))
        lines.append(
            f'[[workers]]\nname = "网格长{leader}"\ntelegram_id = {900000 + leader}\nrole = "grid_leader"\n'
            f"grids = [{ids}]\n"
        )
    lines.append('[[workers]]\nname = "书记"\ntelegram_id = 990001\nrole = "secretary"\n')
    lines.append('[[workers]]\nname = "管理员"\ntelegram_id = 990002\nrole = "admin"\n')
    # Only grid ids change: keep categories (they reference roles present above) and the service guide.
    text = "\n".join(lines) + "\n" + re.sub(r"(?m)^#.*\n", "", categories) + extra
    return parse_config(text, "county.toml", environ={"GRIDBOT_DATABASE_URL": database_url})
