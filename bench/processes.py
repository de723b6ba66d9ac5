"""Bench-only subprocesses (the bare Bolt app, one-shot commands, the load generator) and what
processes cost (CPU time). Servers run through :mod:`sandbox.process`."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.base import REPO_ROOT, BenchError
from sandbox.process import ServerProcess, clean_environ

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class CpuMeter:
    """Where the CPU went during a measurement: each named process in % of one core, and
    the whole machine's busy share (all cores = 100%)."""

    def __init__(self, pids: Mapping[str, int]) -> None:
        self._pids = dict(pids)
        self._start: dict[str, float] = {}
        self._machine = (0, 0)
        self._wall = 0.0

    def __enter__(self) -> CpuMeter:
        self._start = {name: cpu_seconds(pid) for name, pid in self._pids.items()}
        self._machine = _machine_ticks()
        self._wall = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = max(1e-9, time.monotonic() - self._wall)
        busy0, total0 = self._machine
        busy1, total1 = _machine_ticks()
        self.result: dict[str, float] = {
            f"{name}_pct_of_a_core": round(100 * (cpu_seconds(pid) - self._start[name]) / wall, 1)
            for name, pid in self._pids.items()
        }
        self.result["machine_busy_pct"] = round(100 * (busy1 - busy0) / max(1, total1 - total0), 1)


async def run_cli(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> str:
    """Run a command to completion; its output, or BenchError naming it when it fails."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        env=dict(env),
        cwd=str(cwd),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    text_out = out.decode(errors="replace")
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(argv)} exited with {proc.returncode}:\n{text_out}")
    return text_out


def bare_bolt_process(port: int, workdir: Path, api_url: str) -> ServerProcess:
    argv = [sys.executable, "-m", "bench.bare_bolt", "--port", str(port), "--api-url", api_url]
    return ServerProcess(argv, clean_environ(), port, workdir / "bare-bolt.log", cwd=workdir)


class LoadGen:
    """The load generator process (``bench.loadgen``): one JSON job in, one JSON result out."""

    def __init__(self, workdir: Path) -> None:
        self._log_path = workdir / "loadgen.log"
        self._proc: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> LoadGen:
        with self._log_path.open("ab") as log:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.loadgen",
                env=clean_environ(),
                cwd=str(REPO_ROOT),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                limit=1 << 26,
            )
        ready = await self._read()
        if not ready.get("ready"):
            raise BenchError(f"load generator did not start: {ready}")
        return self

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    async def _read(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        line = await self._proc.stdout.readline()
        if not line:
            raise BenchError(f"load generator exited: {self._log_path.read_text()[-2000:]}")
        data: dict[str, Any] = json.loads(line)
        return data

    async def run(self, job: dict[str, Any]) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(job).encode() + b"\n")
        await self._proc.stdin.drain()
        result = await self._read()
        if "error" in result:
            raise BenchError(f"load generator failed: {result['error']}")
        return result

    async def __aexit__(self, *exc: object) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), timeout=5)
        except TimeoutError:
            proc.kill()
            await proc.wait()
