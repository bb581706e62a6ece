"""Debian's nginx, run unprivileged on 127.0.0.1 with everything under a temp directory.

Shared by the tests that put nginx in front of an app (a caching proxy) or serve CORS
configurations with it (lint and audit cross-checks). `.ci/run` installs nginx-light.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers.servers import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

# {http} goes inside http { }, {server} inside server { } after the listen line.
_CONFIG = """\
{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
{http}
  server {{
    listen 127.0.0.1:{port};
{server}
  }}
}}
"""

# A caching proxy in front of 127.0.0.1:{upstream}, with nginx's default cache key (scheme,
# host, URI with its query: Origin is not in it, only Vary can separate entries) and the
# cache status in X-Cache-Status.
CACHE_HTTP = "  proxy_cache_path {tmp}/cache levels=1 keys_zone=api:1m max_size=10m inactive=10m;"
CACHE_SERVER = """\
    location / {{
      proxy_pass http://127.0.0.1:{upstream};
      proxy_cache api;
      proxy_cache_key $scheme$proxy_host$request_uri;
      add_header X-Cache-Status $upstream_cache_status always;
    }}"""


def require() -> None:
    if not Path(NGINX).exists():
        pytest.fail("nginx is needed: apt-get install -y nginx-light (.ci/run does)")


def write_config(tmp: Path, port: int, *, server: str, http: str = "") -> Path:
    """nginx.conf in ``tmp``, listening on 127.0.0.1:``port``."""
    # Started as root (a CI container), nginx's workers would switch to nobody, who cannot
    # enter the temp dir; unprivileged, the user directive is not allowed.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(
        _CONFIG.format(user=user, tmp=tmp, port=port, http=http, server=server.rstrip("\n"))
    )
    return conf


def command(tmp: Path, conf: Path) -> list[str]:
    return [NGINX, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")]


@contextmanager
def caching_proxy(tmp: Path, upstream: int) -> Iterator[int]:
    """nginx caching 127.0.0.1:``upstream``; yields its port once it accepts connections."""
    require()
    port = free_port()
    conf = write_config(
        tmp,
        port,
        http=CACHE_HTTP.format(tmp=tmp),
        server=CACHE_SERVER.format(upstream=upstream),
    )
    process = subprocess.Popen(
        command(tmp, conf), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    error = process.stderr.read().decode() if process.stderr else ""
                    pytest.fail(f"nginx did not start: {error[-500:]}")
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
