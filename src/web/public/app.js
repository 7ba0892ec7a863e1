// Aloft dashboard: keeps the server-rendered page live. The server sends HTML fragments over
// server-sent events (only those that changed); this script swaps them in and sends the
// simulation's fault buttons to the API. No framework, no build step.
(() => {
  'use strict';
  const live = document.getElementById('live');
  const liveText = live && live.querySelector('.live-text');
  const pending = new Map(); // "action cloud" -> true while a fault request runs

  function setLive(state, text) {
    if (!live) return;
    live.dataset.state = state;
    if (liveText) liveText.textContent = text;
  }

  function markPending() {
    for (const b of document.querySelectorAll('button[data-action]')) {
      const busy = pending.has(`${b.dataset.action} ${b.dataset.cloud || ''}`);
      b.disabled = busy;
      b.classList.toggle('busy', busy);
    }
  }

  function apply(msg) {
    const clouds = document.getElementById('f-clouds');
    if (msg.fragments['f-clouds'] !== undefined && clouds) {
      clouds.innerHTML = msg.fragments['f-clouds'];
      clouds.dataset.layout = msg.layout;
    }
    for (const [id, html] of Object.entries(msg.fragments)) {
      if (id === 'f-clouds') continue;
      const el = document.getElementById(id);
      if (el) el.innerHTML = html;
    }
    markPending();
  }

  function connect() {
    const source = new EventSource('/events');
    source.addEventListener('open', () => setLive('live', 'live'));
    source.addEventListener('view', (e) => {
      setLive('live', 'live');
      apply(JSON.parse(e.data));
    });
    source.addEventListener('error', () => setLive('down', 'reconnecting…'));
  }

  function toast(text, tone) {
    const box = document.getElementById('toasts');
    if (!box) return;
    const t = document.createElement('div');
    t.className = `toast tone-${tone}`;
    t.textContent = text;
    box.appendChild(t);
    setTimeout(() => t.classList.add('fade'), 4000);
    setTimeout(() => t.remove(), 4600);
    return t;
  }

  document.addEventListener('click', async (e) => {
    const target = e.target instanceof Element ? e.target.closest('button[data-action]') : null;
    if (!target || target.disabled) return;
    const action = target.dataset.action;
    const cloud = target.dataset.cloud;
    const key = `${action} ${cloud || ''}`;
    pending.set(key, true);
    markPending();
    const started = toast(`${action}${cloud ? ` ${cloud}` : ''}…`, 'info');
    try {
      const res = await fetch(`/api/sim/${encodeURIComponent(action)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(cloud ? { cloud } : {}),
      });
      const body = await res.json().catch(() => ({ message: res.statusText }));
      toast(
        body.ok ? body.message : `${action}: ${body.message}`,
        body.ok ? 'good' : res.status === 501 ? 'warn' : 'bad',
      );
    } catch (err) {
      toast(`${action}: ${err}`, 'bad');
    } finally {
      pending.delete(key);
      if (started) started.remove();
      markPending();
    }
  });

  connect();
})();
