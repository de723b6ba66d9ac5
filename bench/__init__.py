"""Benchmarks of remote-support: ``python -m bench [--quick|--tiny] [--out FILE]``.

The app runs as a real ``remote-support serve`` subprocess wired to the Slack and GoToAssist
stand-ins (served by this process on loopback); a bare slack-bolt app is the baseline for the
acknowledgement times, and a separate load-generator process sends the traffic. One JSON object
is printed; see ``bench/__main__.py`` for its keys.
"""
