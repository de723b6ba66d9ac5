"""Subprocesses: servers (the app, the bare Bolt app), one-shot commands, the load
generator; and what they cost (resident memory, CPU time)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp

from bench.base import REPO_ROOT, BenchError, progress
from bot.config import Settings

SETTING_NAMES = frozenset(name.upper() for name in Settings.model_fields)


def clean_environ() -> dict[str, str]:
    """This process's environment without any of the app's settings (so none leak in)."""
    return {k: v for k, v in os.environ.items() if k.upper() not in SETTING_NAMES}


def with_repo_on_path(env: dict[str, str]) -> dict[str, str]:
    current = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + current if current else "")
    return env


def remote_support_argv() -> list[str]:
    """The ``remote-support`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("remote-support")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def read_rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` from /proc/<pid>/status, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise BenchError(f"no VmRSS for pid {pid}")


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


class ServerProcess:
    """A server subprocess answering ``GET /healthz``; output goes to ``<workdir>/<name>.log``."""

    def __init__(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], port: int, workdir: Path
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.port = port
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self._proc: asyncio.subprocess.Process | None = None
        self.stop_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise BenchError(f"{self.name} is not running")
        return self._proc.pid

    def rss_mb(self) -> float:
        return read_rss_mb(self.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def start(self, timeout_s: float = 90.0) -> None:
        with self.log_path.open("wb") as log:
            self._proc = await asyncio.create_subprocess_exec(
                *self.argv,
                env=self.env,
                cwd=str(self.workdir),  # no stray .env is read from the repository
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout_s
        async with aiohttp.ClientSession() as http:
            while True:
                if self._proc.returncode is not None:
                    raise BenchError(
                        f"{self.name} exited with {self._proc.returncode} while starting:\n"
                        + self.log_tail()
                    )
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(
                        self.url + "/healthz", timeout=aiohttp.ClientTimeout(total=2)
                    ) as resp:
                        if resp.status == 200:
                            return
                if time.monotonic() > deadline:
                    await self.stop()
                    raise BenchError(f"{self.name} did not answer /healthz:\n{self.log_tail()}")
                await asyncio.sleep(0.05)

    def pause(self) -> None:
        """SIGSTOP: frozen, so its background work cannot slow another server's measurement."""
        if self._proc is not None and self._proc.returncode is None:
            self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            self._proc.send_signal(signal.SIGCONT)

    async def stop(self) -> None:
        self.resume()  # a stopped process would not act on SIGTERM
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout=5)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            progress(f"{self.name} ignored SIGTERM for 5 s: killed")
        self.stop_seconds = round(time.monotonic() - began, 2)

    async def __aenter__(self) -> ServerProcess:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


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
    return ServerProcess("bare-bolt", argv, with_repo_on_path(clean_environ()), port, workdir)


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
                env=with_repo_on_path(clean_environ()),
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

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
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
