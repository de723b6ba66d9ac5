"""Servers as real subprocesses (the app's ``serve``, or any command that answers HTTP on a
port), for crash, shutdown and multi-replica tests and for the benchmarks: start, wait until
ready, kill or stop gracefully, pause, and read what they printed and cost."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

import aiohttp
from pydantic import SecretStr

from bot.config import Settings

SETTING_NAMES = frozenset(name.upper() for name in Settings.model_fields)
REPO_ROOT = Path(__file__).resolve().parents[1]


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment variables that reproduce ``settings`` in another process."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[name.upper()] = str(value)
    return env


def clean_environ() -> dict[str, str]:
    """This process's environment without any of the app's settings (so none leak in), with
    this checkout first on ``PYTHONPATH`` (the bot/ and sandbox/ beside it are what runs)."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in SETTING_NAMES}
    current = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + current if current else "")
    return env


def read_rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` from /proc/<pid>/status, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no VmRSS for pid {pid}")


class ServerProcess:
    """One server subprocess on ``127.0.0.1:port``; its output goes to ``log_path`` (emptied at
    the first start, appended to on a restart). Ready when ``ready_path`` answers 200."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        port: int,
        log_path: Path,
        *,
        cwd: Path | None = None,
        ready_path: str = "/healthz",
        name: str | None = None,
    ) -> None:
        self.argv = list(argv)
        self.env = dict(env)
        self.port = port
        self.log_path = log_path
        self.cwd = cwd
        self.ready_path = ready_path
        self.name = name or log_path.stem
        self.base_url = f"http://127.0.0.1:{port}"
        self.stop_seconds: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._started_once = False

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise RuntimeError(f"{self.name} is not running")
        return self._proc.pid

    def start(self) -> None:
        """Start (or, after a kill, start again); returns at once (see ``wait_ready``)."""
        if self._log is not None:
            self._log.close()
        self._log = self.log_path.open("ab" if self._started_once else "wb")
        self._started_once = True
        self._proc = subprocess.Popen(  # noqa: S603 - our own argv
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    async def wait_ready(self, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self._proc is not None and self._proc.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self._proc.returncode}: {self.output()}"
                    )
                try:
                    async with http.get(
                        self.base_url + self.ready_path, timeout=aiohttp.ClientTimeout(total=2)
                    ) as response:
                        if response.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.05)
        raise TimeoutError(f"{self.name} was not ready within {within}s: {self.output()}")

    async def launch(self, within: float = 90.0) -> None:
        """Start and wait until ready; a process that never gets ready is stopped."""
        self.start()
        try:
            await self.wait_ready(within)
        except BaseException:
            self.stop()
            raise

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` (SIGKILL by default: no shutdown code runs); reaped when it is SIGKILL."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(sig)
            if sig == signal.SIGKILL:
                self._proc.wait(timeout=10)

    async def wait_exit(self, within: float = 30.0) -> int:
        assert self._proc is not None
        deadline = time.monotonic() + within
        while self._proc.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not exit within {within}s")
            await asyncio.sleep(0.05)
        return self._proc.returncode

    def pause(self) -> None:
        """SIGSTOP: frozen, so its background work cannot slow another server's measurement."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGCONT)

    async def shutdown(self, grace: float = 5.0) -> None:
        """SIGTERM and wait (``stop_seconds`` is how long it took); killed after ``grace``."""
        self.resume()  # a stopped process would not act on SIGTERM
        if self._proc is not None and self._proc.poll() is None:
            began = time.monotonic()
            self._proc.send_signal(signal.SIGTERM)
            try:
                await self.wait_exit(within=grace)
            except TimeoutError:
                print(f"{self.name} ignored SIGTERM for {grace:.0f} s: killed", file=sys.stderr)
            self.stop_seconds = round(time.monotonic() - began, 2)
        self.stop()

    def stop(self) -> None:
        """Kill and reap, whatever state it is in (teardown)."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def rss_mb(self) -> float:
        return read_rss_mb(self.pid)

    def output(self, chars: int = 4000) -> str:
        """The end of what it printed."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> ServerProcess:
        await self.launch()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()


class AppProcess(ServerProcess):
    """`python -m bot serve` with ``settings`` (ready when ``ready_path`` answers 200). Its
    environment is this process's (``clean``: without any of the app's settings, see
    ``clean_environ``), then ``settings``, then ``extra_env``."""

    def __init__(
        self,
        settings: Settings,
        log_path: Path,
        *,
        extra_env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        clean: bool = False,
        ready_path: str = "/readyz",
    ) -> None:
        base = clean_environ() if clean else dict(os.environ)
        env = {**base, **settings_env(settings), **(extra_env or {})}
        env.setdefault("LOG_FORMAT", "console")
        env["PYTHONUNBUFFERED"] = "1"
        super().__init__(
            [sys.executable, "-m", "bot", "serve"],
            env,
            settings.port,
            log_path,
            cwd=cwd,
            ready_path=ready_path,
        )
        self.settings = settings

    def migrate(self) -> None:
        """`remote-support migrate` with the same settings (raises with its output on failure)."""
        done = subprocess.run(
            [sys.executable, "-m", "bot", "migrate"],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"migrate failed: {done.stderr[-2000:]}")
