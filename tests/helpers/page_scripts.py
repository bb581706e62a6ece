"""JavaScript a test page runs in Chromium (page.evaluate): a fetch and a WebSocket.

Each resolves to a plain object, never throws, so a blocked request is a result to check.
"""

from __future__ import annotations

FETCH = """
async ([url, init]) => {
  try {
    const r = await fetch(url, init);
    return {ok: true, status: r.status, text: await r.text()};
  } catch (e) {
    return {ok: false, name: e.name, message: String(e)};
  }
}
"""

WEBSOCKET = """
(url) => new Promise((resolve) => {
  const events = [];
  const ws = new WebSocket(url);
  ws.onopen = () => events.push('open');
  ws.onmessage = (m) => events.push('message:' + m.data);
  ws.onerror = () => events.push('error');
  ws.onclose = (e) => { events.push('close'); resolve({events, code: e.code}); };
  setTimeout(() => resolve({events, code: null, timeout: true}), 10000);
})
"""
