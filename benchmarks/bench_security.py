"""What the security checks cost, each beside the work it sits next to, in one process.

    uv run python benchmarks/bench_security.py [--json PATH]

Renders the FastAPI template from the working tree, installs it, and times inside its
own environment (PostgreSQL when the local server answers, else SQLite):

- the per-request stamp check (an HMAC of the user's security stamp, compared with the
  token's) beside decoding the access token, which every signed-in request does anyway;
- a sign-in's hold on the limits (records the attempt per account and client, counts,
  and releases it on success) beside one password verification, the work every sign-in
  does on purpose.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from report import publish

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from scaffold.smoke.postgres import fresh_database, probe  # noqa: E402
from scaffold.smoke.tools import clean_env, find_python, find_tool  # noqa: E402

BIN = Path(sys.executable).parent

MEASURE = """
import asyncio, json, statistics, time
from l_bench.db import create_engine
from l_bench.passwords import hash_password, verify_password
from l_bench.ratelimit import hold_sign_in
from l_bench.security import create_access_token, decode_access_token, stamp_matches
from l_bench.settings import Settings
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request

settings = Settings()
secret = settings.secret_key.get_secret_value()
token = create_access_token("1", stamp="s" * 32, secret=secret, minutes=5)


def per_call(work, repeat):
    rounds = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(repeat):
            work()
        rounds.append((time.perf_counter() - start) / repeat)
    return statistics.median(rounds)


claims = decode_access_token(token, secret=secret)
decode = per_call(lambda: decode_access_token(token, secret=secret), 2000)
stamp = per_call(lambda: stamp_matches(claims, "s" * 32, secret=secret), 20000)


async def sign_in_costs():
    engine = create_engine(settings.database_url, pooled=True)
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    request = Request({"type": "http", "client": ("198.51.100.1", 1), "headers": []})
    stored = await hash_password("correct horse battery staple")
    holds, verifies = [], []
    for _ in range(30):
        async with AsyncSession(engine, expire_on_commit=False) as session:
            start = time.perf_counter()
            held = await hold_sign_in(request, session, settings, "bench@example.com")
            await held.release(session)
            holds.append(time.perf_counter() - start)
        start = time.perf_counter()
        await verify_password("correct horse battery staple", stored)
        verifies.append(time.perf_counter() - start)
    await engine.dispose()
    return statistics.median(holds), statistics.median(verifies)


hold, verify = asyncio.run(sign_in_costs())
print(json.dumps({"decode_s": decode, "stamp_s": stamp, "hold_s": hold, "verify_s": verify}))
"""


def sh(argv: list[str], cwd: Path, env: dict[str, str], stdin: str = "") -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
                          check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    python = find_python("3.12")
    if python is None:
        raise SystemExit("no Python 3.12 interpreter for the generated project")
    with tempfile.TemporaryDirectory(prefix="scaffold-bench-security-") as scratch:
        root = Path(scratch)
        (root / "home").mkdir()
        env = clean_env() | {"UV_PYTHON": str(python), "HOME": str(root / "home"), "CI": "true"}
        env["UV_CACHE_DIR"] = os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))
        sh([str(BIN / "scaffold"), "new", "l-bench", "-a", "fastapi", "--yes", "--no-git"],
           root, env)  # fmt: skip
        project = root / "l-bench"
        sh([str(find_tool("uv")), "sync", "--locked", "--quiet"], project, env)
        env |= {"SECRET_KEY": "s" * 48, "ENVIRONMENT": "test"}
        server = probe(None)
        if server.url is not None:
            with fresh_database(server.url, "bench_security") as url:
                out = sh([str(project / ".venv/bin/python"), "-c", MEASURE], project,
                         env | {"DATABASE_URL": url})  # fmt: skip
            database = "PostgreSQL"
        else:
            out = sh([str(project / ".venv/bin/python"), "-c", MEASURE], project,
                     env | {"DATABASE_URL": f"sqlite:///{root / 'bench.sqlite3'}"})  # fmt: skip
            database = "SQLite"
    found = json.loads(out.strip().splitlines()[-1])
    figures = {
        "database": database,
        "token_decode_us": round(found["decode_s"] * 1e6, 2),
        "stamp_check_us": round(found["stamp_s"] * 1e6, 2),
        "stamp_over_decode": round(found["stamp_s"] / found["decode_s"], 3),
        "sign_in_hold_ms": round(found["hold_s"] * 1e3, 2),
        "password_verify_ms": round(found["verify_s"] * 1e3, 2),
        "hold_over_verify": round(found["hold_s"] / found["verify_s"], 3),
    }
    publish(
        [
            (
                "token decode (baseline)",
                found["decode_s"],
                f"{figures['token_decode_us']} us, every signed-in request",
            ),
            (
                "stamp check",
                found["stamp_s"],
                f"{figures['stamp_check_us']} us, {figures['stamp_over_decode']:.3f}x the decode",
            ),
            ("password verification (baseline)", found["verify_s"], "every sign-in"),
            (
                f"sign-in hold + release ({database})",
                found["hold_s"],
                f"{figures['hold_over_verify']:.3f}x the verification",
            ),
        ],
        figures,
        args.json,
    )


if __name__ == "__main__":
    main()
