import type { Inventory } from '../../host/index.ts';
import type { LogFields, Logger, LogLevel } from '../../support/index.ts';
import type { PageGlobals, PageElement } from './globals.ts';

export type TabState = 'starting' | 'running' | 'leaving' | 'stopped' | 'error';

/** Calls served here per component, as the page counts them. */
export type CallCounts = Map<string, { ok: number; err: number }>;

const escape = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/**
 * The `/join` page's status view: the tab's state, identity and labels, the components placed
 * on it with the calls they served, problems, and a short log. Elements are found by id in the
 * server-rendered page (server/page.ts); every value is inserted as text or escaped.
 */
export function pageView(document: PageGlobals['document']) {
  const el = (id: string): PageElement | undefined => document.getElementById(id) ?? undefined;
  const lines: string[] = [];
  const setText = (id: string, text: string): void => {
    const e = el(id);
    if (e) e.textContent = text;
  };
  return {
    state(state: TabState, text: string): void {
      const e = el('state');
      if (!e) return;
      e.dataset.state = state;
      e.textContent = text;
    },
    problems(list: string[]): void {
      const e = el('problems');
      if (e) e.innerHTML = list.map((p) => `<li>${escape(p)}</li>`).join('');
    },
    identity(id: string, name: string, lattice: string, labels: Record<string, string>): void {
      setText('host-id', id);
      setText('host-name', name);
      setText('lattice', lattice);
      const e = el('labels');
      if (e) {
        e.innerHTML = Object.entries(labels)
          .map(([k, v]) => `<li data-label="${escape(k)}">${escape(k)}=${escape(v)}</li>`)
          .join('');
      }
    },
    components(inventory: Inventory, calls: CallCounts): void {
      const e = el('components');
      if (!e) return;
      const rows = inventory.components.map((c) => {
        const n = calls.get(c.name) ?? { ok: 0, err: 0 };
        return (
          `<tr data-component="${escape(c.name)}" data-count="${c.count}" data-ok="${n.ok}" data-err="${n.err}">` +
          `<td>${escape(c.name)}</td><td>${c.count}</td><td>${n.ok}</td><td>${n.err}</td>` +
          `<td class="digest">${escape(c.sha256.slice(0, 12))}</td></tr>`
        );
      });
      e.innerHTML = rows.length > 0 ? rows.join('') : '<tr><td colspan="5">none yet</td></tr>';
    },
    log(level: LogLevel, msg: string, fields: LogFields): void {
      const detail = Object.entries(fields)
        .filter(([k]) => k !== 'hostId' && k !== 'host')
        .map(([k, v]) => `${k}=${v instanceof Error ? v.message : JSON.stringify(v)}`)
        .join(' ');
      lines.unshift(`${new Date().toISOString().slice(11, 19)} ${level} ${msg} ${detail}`);
      lines.length = Math.min(lines.length, 40);
      const e = el('log');
      if (e) e.innerHTML = lines.map((l) => `<li>${escape(l)}</li>`).join('');
    },
    onLeave(listener: () => void): void {
      el('leave')?.addEventListener('click', listener);
    },
    leaveEnabled(enabled: boolean): void {
      const e = el('leave');
      if (e) e.disabled = !enabled;
    },
  };
}
export type PageView = ReturnType<typeof pageView>;

/** A logger that shows info and above in the page's log (library code never uses the console). */
export function pageLogger(view: PageView, base: LogFields = {}): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (level !== 'debug') view.log(level, msg, { ...base, ...fields });
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => pageLogger(view, { ...base, ...fields }),
  };
}
