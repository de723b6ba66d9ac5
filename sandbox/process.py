"""`remote-support serve` as a real subprocess, for crash, shutdown and multi-replica tests."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import aiohttp
from pydantic import SecretStr

from bot.config import Settings


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


class AppProcess:
    """One `python -m bot serve` process; its output goes to ``log_path``."""

    def __init__(
        self, settings: Settings, log_path: Path, *, extra_env: dict[str, str] | None = None
    ) -> None:
        self.settings = settings
        self.log_path = log_path
        self.base_url = f"http://127.0.0.1:{settings.port}"
        self._extra_env = extra_env or {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def _env(self) -> dict[str, str]:
        env = {**os.environ, **settings_env(self.settings), **self._extra_env}
        env.setdefault("LOG_FORMAT", "console")
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def migrate(self) -> None:
        """`remote-support migrate` with the same settings (raises with its output on failure)."""
        done = subprocess.run(
            [sys.executable, "-m", "bot", "migrate"],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"migrate failed: {done.stderr[-2000:]}")

    def start(self) -> None:
        """Start (or, after a kill, start again) appending to the same log."""
        if self._log is not None:
            self._log.close()
        env = self._env()
        self._log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    async def wait_ready(self, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self._proc is not None and self._proc.poll() is not None:
                    raise RuntimeError(
                        f"serve exited with {self._proc.returncode}: {self.output()}"
                    )
                try:
                    async with http.get(f"{self.base_url}/readyz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError(f"serve was not ready within {within}s: {self.output()}")

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
                raise TimeoutError(f"serve did not exit within {within}s")
            await asyncio.sleep(0.05)
        return self._proc.returncode

    def stop(self) -> None:
        """Kill and reap, whatever state it is in (teardown)."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def __enter__(self) -> AppProcess:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
