// MedShield web UI: a single-page app in plain JavaScript, embedded in the server binary as is
// (no framework, no build step). Every visible string comes from i18n.js; the DOM is built with
// createElement (never innerHTML with data), so server data cannot inject markup and the page
// works under a strict Content-Security-Policy (no inline scripts or style attributes).
'use strict';

(function () {
  const DICT = window.MS_I18N;
  const LANG_KEY = 'medshield.lang';
  const PAGE_SIZE = 20;

  // Roles that may see each area; the server enforces the same table (crates/platform roles.rs),
  // this only keeps menus free of entries that would answer 403.
  const READERS = ['admin', 'regulator', 'reviewer', 'owner_admin', 'owner_member'];
  const ROLES = {
    dashboard: READERS,
    apps: READERS,
    register: ['owner_admin', 'owner_member'],
    reviews: ['reviewer'],
    audit: ['auditor'],
    users: ['admin', 'owner_admin'],
    units: ['admin'],
    keys: ['admin'],
    account: ['admin', 'regulator', 'reviewer', 'owner_admin', 'owner_member', 'auditor'],
  };
  const UPLOADERS = ['regulator', 'owner_admin', 'owner_member'];
  const REVOKERS = ['regulator', 'reviewer'];
  const HUMAN_ROLES = ['admin', 'regulator', 'reviewer', 'owner_admin', 'owner_member', 'auditor'];
  const UNIT_KINDS = ['authority', 'regulator', 'owner', 'node', 'standards'];
  const APP_STATUSES = ['pending', 'approved', 'rejected', 'revoked'];
  const SEVERITY_ORDER = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

  const state = {
    lang: 'zh',
    session: null,
    regions: null,
    units: null,
    enrollment: null, // {userId, secret, uri}: kept so a re-render does not start a new enrolment
    charts: [],
    token: 0,
  };

  // ---------------------------------------------------------------- i18n

  function t(key, vars) {
    let s = (DICT[state.lang] && DICT[state.lang][key]) || DICT.zh[key];
    if (s === undefined) s = key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
    return s;
  }

  function has(key) {
    return Boolean(DICT[state.lang] && DICT[state.lang][key]);
  }

  // Server texts come either as {zh, en} objects or as one "中文 / English" message.
  function pick(v) {
    if (v == null) return '';
    if (typeof v === 'object') return (state.lang === 'en' ? v.en || v.zh : v.zh || v.en) || '';
    return String(v);
  }

  function localMessage(msg) {
    if (typeof msg !== 'string') return '';
    const i = msg.indexOf(' / ');
    if (i < 0) return msg;
    return state.lang === 'en' ? msg.slice(i + 3) : msg.slice(0, i);
  }

  function setLang(lang) {
    state.lang = lang === 'en' ? 'en' : 'zh';
    try {
      localStorage.setItem(LANG_KEY, state.lang);
    } catch (e) {
      // Private mode without storage: the choice simply does not persist.
    }
    document.documentElement.lang = state.lang === 'en' ? 'en' : 'zh-CN';
    document.title = t('app.title');
  }

  // ---------------------------------------------------------------- DOM helpers

  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    let value;
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v == null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'testid') el.dataset.testid = v;
        else if (k === 'text') el.textContent = v;
        else if (k === 'value') value = v;
        else if (k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'selected') el[k] = Boolean(v);
        else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    append(el, kids);
    if (value !== undefined) el.value = value;
    return el;
  }

  function append(el, kids) {
    for (const k of kids.flat(Infinity)) {
      if (k == null || k === false) continue;
      el.append(k instanceof Node ? k : String(k));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  let idSeq = 0;
  function uid(prefix) {
    idSeq += 1;
    return `${prefix}-${idSeq}`;
  }

  // A labelled form field; `control` gets an id so the <label for> works for screen readers.
  function field(labelKey, control, opts = {}) {
    if (!control.id) control.id = uid('f');
    return h(
      'div',
      { class: 'field' + (opts.wide ? ' wide' : '') },
      h('label', { for: control.id }, t(labelKey), opts.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      control,
      opts.hint ? h('div', { class: 'hint' }, opts.hint) : null,
    );
  }

  function input(attrs) {
    return h('input', Object.assign({ type: 'text' }, attrs));
  }

  function select(options, attrs) {
    return h(
      'select',
      attrs || {},
      options.map(([v, label]) => h('option', { value: v }, label)),
    );
  }

  function button(labelKey, onclick, attrs) {
    return h('button', Object.assign({ type: 'button', onclick }, attrs || {}), t(labelKey));
  }

  function card(titleKey, attrs, ...kids) {
    return h('section', Object.assign({ class: 'card' }, attrs || {}), titleKey ? h('h2', null, t(titleKey)) : null, kids);
  }

  function msgBox(attrs) {
    return h('div', Object.assign({ class: 'msg', role: 'status', 'aria-live': 'polite' }, attrs || {}));
  }

  function showMsg(box, kind, text) {
    box.className = 'msg ' + kind;
    box.textContent = text;
  }

  function showError(box, err) {
    showMsg(box, 'error', errorText(err));
  }

  function errorText(err) {
    if (err instanceof ApiError) {
      const known = has('err.' + err.code) ? t('err.' + err.code) : '';
      const msg = localMessage(err.message);
      if (known && msg && msg !== known) return `${known}：${msg}`;
      return known || msg || t('err.generic', { status: err.status });
    }
    return (err && err.message) || String(err);
  }

  function table(headKeys, rows, attrs) {
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        attrs || {},
        h('thead', null, h('tr', null, headKeys.map((k) => h('th', { scope: 'col' }, k ? t(k) : '')))),
        h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: headKeys.length, class: 'empty' }, t('common.none')))),
      ),
    );
  }

  function mono(text, attrs) {
    return h('code', Object.assign({ class: 'mono' }, attrs || {}), text == null ? '' : String(text));
  }

  function fmtTime(v) {
    if (v == null || v === '') return '—';
    const d = new Date(typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v);
    if (Number.isNaN(d.getTime())) return String(v);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }

  function fmtScore(v) {
    if (v == null || v === '') return '—';
    const n = Number(v);
    return Number.isFinite(n) ? (Math.round(n * 10) / 10).toString() : String(v);
  }

  function fmtBytes(n) {
    if (n == null) return '—';
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
    return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  }

  const GRADE_COLORS = { A: '#2e7d32', B: '#ef6c00', C: '#c62828' };
  function gradeColor(g) {
    return GRADE_COLORS[g] || '#9e9e9e';
  }
  function gradeLabel(g) {
    return GRADE_COLORS[g] ? t('grade.' + g) : t('grade.none');
  }
  function gradeBadge(g, attrs) {
    const known = Boolean(GRADE_COLORS[g]);
    return h('span', Object.assign({ class: 'badge grade grade-' + (known ? g : 'none'), title: gradeLabel(g) }, attrs || {}), known ? g : t('grade.none'));
  }
  function statusBadge(s, attrs) {
    return h('span', Object.assign({ class: 'badge status status-' + s }, attrs || {}), has('status.' + s) ? t('status.' + s) : s);
  }
  function severityBadge(s) {
    return h('span', { class: 'badge sev sev-' + s }, has('sev.' + s) ? t('sev.' + s) : s);
  }
  function scoreColor(score) {
    if (score == null) return '#9e9e9e';
    if (score > 80 || score === 80) return GRADE_COLORS.A;
    if (score > 60) return GRADE_COLORS.B;
    return GRADE_COLORS.C;
  }

  function appName(app) {
    if (!app) return '';
    return (state.lang === 'en' ? app.name_en || app.name_zh : app.name_zh || app.name_en) || app.package || app.id;
  }

  function regionName(code) {
    if (!code) return '—';
    const r = (state.regions || []).find((x) => x.code === code);
    if (!r) return code;
    return state.lang === 'en' ? r.name_en || r.name_zh : r.name_zh || r.name_en;
  }

  function unitName(id) {
    const u = (state.units || []).find((x) => x.id === id);
    if (!u) return id || '—';
    return state.lang === 'en' ? u.name_en || u.name_zh : u.name_zh || u.name_en;
  }

  function roleTitle(role) {
    return has('role.' + role) ? t('role.' + role) : role;
  }

  function can(area) {
    const s = state.session;
    return Boolean(s && s.user && (ROLES[area] || []).includes(s.user.role));
  }

  function hasRole(list) {
    const s = state.session;
    return Boolean(s && s.user && list.includes(s.user.role));
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  function isBinary(b) {
    return b instanceof ArrayBuffer || b instanceof Blob || ArrayBuffer.isView(b);
  }

  async function api(method, path, body, opts = {}) {
    const headers = { Accept: 'application/json' };
    const init = { method, credentials: 'same-origin', headers };
    if (method !== 'GET' && method !== 'HEAD' && state.session && state.session.csrf_token) {
      headers['X-CSRF-Token'] = state.session.csrf_token;
    }
    if (body !== undefined && body !== null) {
      if (isBinary(body)) {
        headers['Content-Type'] = 'application/octet-stream';
        init.body = body;
      } else {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'network', t('err.network'));
    }
    const text = res.status === 204 ? '' : await res.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (e) {
        data = null;
      }
    }
    if (!res.ok) {
      const code = (data && data.error) || 'http_' + res.status;
      const err = new ApiError(res.status, code, (data && data.message) || res.statusText);
      if (!opts.quiet) {
        if (res.status === 401) {
          state.session = null;
          go('#/login');
        } else if (code === 'password_change_required' && state.session) {
          state.session.user.must_change_password = true;
          go('#/login');
        }
      }
      throw err;
    }
    return data;
  }

  function qs(params) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
    const s = p.toString();
    return s ? '?' + s : '';
  }

  async function loadRegions() {
    if (!state.regions) {
      try {
        const r = await api('GET', '/api/v1/regions', undefined, { quiet: true });
        state.regions = Array.isArray(r) ? r : [];
      } catch (e) {
        state.regions = [];
      }
    }
    return state.regions;
  }

  async function loadUnits(force) {
    if (!state.units || force) {
      try {
        const u = await api('GET', '/api/v1/units', undefined, { quiet: true });
        state.units = Array.isArray(u) ? u : [];
      } catch (e) {
        state.units = [];
      }
    }
    return state.units;
  }

  // Regions as <option>s, indented under their parent, in tree (path) order.
  function regionOptions(emptyKey) {
    const regs = (state.regions || []).slice();
    const key = (r) => r.path || r.code;
    regs.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const depth = (r) => {
      if (typeof r.level === 'number') return r.level;
      if (r.path) return Math.max(0, String(r.path).split(/[./]/).filter(Boolean).length - 1);
      return r.parent && r.parent !== '000000' ? 1 : 0;
    };
    const minDepth = regs.reduce((m, r) => Math.min(m, depth(r)), Infinity);
    const out = [];
    if (emptyKey) out.push(['', t(emptyKey)]);
    for (const r of regs) {
      const d = Math.max(0, depth(r) - (Number.isFinite(minDepth) ? minDepth : 0));
      out.push([r.code, '\u3000'.repeat(d) + (state.lang === 'en' ? r.name_en || r.name_zh : r.name_zh || r.name_en) + ` (${r.code})`]);
    }
    return out;
  }

  // ---------------------------------------------------------------- charts

  function chart(el, option) {
    if (!window.echarts) {
      el.append(h('p', { class: 'empty' }, t('common.chartUnavailable')));
      return null;
    }
    const c = window.echarts.init(el, null, { renderer: 'canvas' });
    c.setOption(Object.assign({ textStyle: { fontFamily: getComputedStyle(document.body).fontFamily } }, option));
    state.charts.push(c);
    return c;
  }

  function disposeCharts() {
    for (const c of state.charts) {
      try {
        c.dispose();
      } catch (e) {
        // Already disposed with its element.
      }
    }
    state.charts = [];
  }

  window.addEventListener('resize', () => {
    for (const c of state.charts) c.resize();
  });

  // ---------------------------------------------------------------- routing

  const routes = [
    [/^\/login$/, viewLogin, null],
    [/^\/dashboard$/, viewDashboard, 'dashboard'],
    [/^\/apps$/, viewApps, 'apps'],
    [/^\/apps\/([^/]+)$/, viewApp, 'apps'],
    [/^\/register$/, viewRegister, 'register'],
    [/^\/reviews$/, viewReviews, 'reviews'],
    [/^\/scans\/([^/]+)$/, viewScan, 'apps'],
    [/^\/audit$/, viewAudit, 'audit'],
    [/^\/admin\/users$/, viewUsers, 'users'],
    [/^\/admin\/units$/, viewUnits, 'units'],
    [/^\/admin\/keys$/, viewKeys, 'keys'],
    [/^\/account$/, viewAccount, 'account'],
  ];

  const NAV = [
    ['dashboard', '#/dashboard', 'nav.dashboard'],
    ['apps', '#/apps', 'nav.apps'],
    ['register', '#/register', 'nav.register'],
    ['reviews', '#/reviews', 'nav.reviews'],
    ['audit', '#/audit', 'nav.audit'],
    ['users', '#/admin/users', 'nav.users'],
    ['units', '#/admin/units', 'nav.units'],
    ['keys', '#/admin/keys', 'nav.keys'],
    ['account', '#/account', 'nav.account'],
  ];

  function go(hash) {
    if (location.hash === hash) render();
    else location.hash = hash;
  }

  function home() {
    const role = state.session && state.session.user && state.session.user.role;
    return role === 'auditor' ? '#/audit' : '#/dashboard';
  }

  function fullySignedIn() {
    const s = state.session;
    return Boolean(s && s.stage === 'full' && s.user && !s.user.must_change_password);
  }

  function parseHash() {
    const raw = location.hash.replace(/^#/, '') || '/';
    const i = raw.indexOf('?');
    const path = i < 0 ? raw : raw.slice(0, i);
    const query = new URLSearchParams(i < 0 ? '' : raw.slice(i + 1));
    return { path, query };
  }

  function alive(tok) {
    return tok === state.token;
  }

  async function render() {
    state.token += 1;
    const tok = state.token;
    disposeCharts();
    const { path, query } = parseHash();
    const root = document.getElementById('app');

    if (path !== '/login' && !fullySignedIn()) {
      location.replace('#/login');
      return;
    }
    if (path === '/login' && fullySignedIn()) {
      location.replace(home());
      return;
    }
    let match = null;
    for (const [re, view, area] of routes) {
      const m = path.match(re);
      if (m) {
        match = { view, area, params: m.slice(1).map(decodeURIComponent) };
        break;
      }
    }
    if (!match) {
      location.replace(fullySignedIn() ? home() : '#/login');
      return;
    }

    clear(root);
    if (match.view === viewLogin) {
      const main = h('main', { class: 'login-main', id: 'main' });
      root.append(header(false), main);
      await runView(match.view, main, match.params, query, tok);
      return;
    }
    const main = h('main', { id: 'main', class: 'content', tabindex: '-1' });
    root.append(header(true), h('div', { class: 'layout' }, sidebar(match.area), main));
    if (match.area && !can(match.area)) {
      main.append(pageTitle('err.forbidden'), h('p', { class: 'msg error' }, t('err.noAccess')));
      return;
    }
    await runView(match.view, main, match.params, query, tok);
  }

  async function runView(view, main, params, query, tok) {
    try {
      await view(main, params, query, tok);
    } catch (err) {
      if (!alive(tok)) return;
      const box = msgBox({ testid: 'page-error' });
      showError(box, err);
      main.append(box);
    }
  }

  function header(signedIn) {
    const s = state.session;
    return h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'skip', href: '#main', onclick: (e) => { e.preventDefault(); const m = document.getElementById('main'); if (m) m.focus(); } }, t('common.skip')),
      h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '✚'), h('span', { class: 'brand-name' }, t('app.title')), h('span', { class: 'brand-sub' }, t('app.subtitle'))),
      h(
        'div',
        { class: 'top-actions' },
        h('button', { type: 'button', class: 'ghost', testid: 'lang-toggle', lang: state.lang === 'zh' ? 'en' : 'zh-CN', onclick: () => { setLang(state.lang === 'zh' ? 'en' : 'zh'); render(); } }, t('lang.switch')),
        signedIn && s && s.user
          ? [
              h('span', { class: 'who', testid: 'current-user' }, `${s.user.display_name || s.user.username} · ${roleTitle(s.user.role)}`),
              h('button', { type: 'button', class: 'ghost', testid: 'logout', onclick: logout }, t('auth.logout')),
            ]
          : null,
      ),
    );
  }

  function sidebar(active) {
    return h(
      'nav',
      { class: 'sidebar', 'aria-label': t('nav.label') },
      h(
        'ul',
        null,
        NAV.filter(([area]) => can(area)).map(([area, href, key]) =>
          h('li', null, h('a', { href, testid: 'nav-' + area, class: area === active ? 'active' : null, 'aria-current': area === active ? 'page' : null }, t(key))),
        ),
      ),
    );
  }

  function pageTitle(key, extra) {
    return h('h1', { testid: 'page-title' }, t(key), extra ? [' ', extra] : null);
  }

  async function logout() {
    try {
      await api('POST', '/api/v1/auth/logout', undefined, { quiet: true });
    } catch (e) {
      // Signing out locally is what matters; the session expires on the server anyway.
    }
    state.session = null;
    state.units = null;
    state.enrollment = null;
    go('#/login');
  }

  // ---------------------------------------------------------------- sign-in

  async function viewLogin(main) {
    const s = state.session;
    if (!s) return loginForm(main);
    if (s.stage === 'totp') return totpForm(main);
    if (s.user && s.user.must_change_password) return passwordForm(main);
    if (s.stage === 'enroll_totp') return enrollForm(main);
    location.replace(home());
    return undefined;
  }

  function afterAuthStep(session) {
    state.session = session;
    state.units = null;
    if (fullySignedIn()) go(home());
    else render();
  }

  function authCard(titleKey, ...kids) {
    return h('div', { class: 'card auth-card' }, h('h1', { testid: 'page-title' }, t(titleKey)), kids);
  }

  function loginForm(main) {
    const user = input({ name: 'username', autocomplete: 'username', required: true, testid: 'login-username' });
    const pass = input({ type: 'password', name: 'password', autocomplete: 'current-password', required: true, testid: 'login-password' });
    const box = msgBox({ testid: 'login-error' });
    const form = h(
      'form',
      {
        class: 'stack',
        onsubmit: async (e) => {
          e.preventDefault();
          showMsg(box, 'info', t('common.working'));
          try {
            const s = await api('POST', '/api/v1/auth/login', { username: user.value.trim(), password: pass.value }, { quiet: true });
            afterAuthStep(s);
          } catch (err) {
            showError(box, err);
          }
        },
      },
      field('auth.username', user),
      field('auth.password', pass),
      h('button', { type: 'submit', class: 'primary', testid: 'login-submit' }, t('auth.signIn')),
      box,
    );
    main.append(authCard('auth.title', h('p', { class: 'muted' }, t('auth.intro')), form));
    user.focus();
  }

  function codeInput(testid) {
    return input({ inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6', required: true, testid, class: 'code-input' });
  }

  function totpForm(main) {
    const code = codeInput('totp-code');
    const box = msgBox({ testid: 'totp-error' });
    const form = h(
      'form',
      {
        class: 'stack',
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            afterAuthStep(await api('POST', '/api/v1/auth/totp', { code: code.value.trim() }, { quiet: true }));
          } catch (err) {
            showError(box, err);
          }
        },
      },
      field('auth.totpCode', code),
      h('button', { type: 'submit', class: 'primary', testid: 'totp-submit' }, t('auth.verify')),
      button('auth.restart', logout, { class: 'link' }),
      box,
    );
    main.append(authCard('auth.totpTitle', h('p', { class: 'muted' }, t('auth.totpIntro')), form));
    code.focus();
  }

  function passwordFields() {
    const cur = input({ type: 'password', autocomplete: 'current-password', required: true, testid: 'pw-current' });
    const nw = input({ type: 'password', autocomplete: 'new-password', required: true, minlength: '12', testid: 'pw-new' });
    const again = input({ type: 'password', autocomplete: 'new-password', required: true, minlength: '12', testid: 'pw-confirm' });
    return { cur, nw, again };
  }

  function passwordChangeForm(onDone) {
    const { cur, nw, again } = passwordFields();
    const box = msgBox({ testid: 'pw-error' });
    return h(
      'form',
      {
        class: 'stack',
        onsubmit: async (e) => {
          e.preventDefault();
          if (nw.value !== again.value) {
            showMsg(box, 'error', t('auth.pwMismatch'));
            return;
          }
          try {
            const s = await api('POST', '/api/v1/auth/password', { current: cur.value, new: nw.value }, { quiet: true });
            onDone(s, box);
          } catch (err) {
            showError(box, err);
          }
        },
      },
      field('auth.pwCurrent', cur),
      field('auth.pwNew', nw, { hint: t('auth.pwHint') }),
      field('auth.pwConfirm', again),
      h('button', { type: 'submit', class: 'primary', testid: 'pw-submit' }, t('auth.pwChange')),
      box,
    );
  }

  function passwordForm(main) {
    const form = passwordChangeForm((s) => afterAuthStep(s));
    main.append(authCard('auth.pwTitle', h('p', { class: 'muted' }, t('auth.pwIntro')), form, button('auth.restart', logout, { class: 'link' })));
    const first = form.querySelector('input');
    if (first) first.focus();
  }

  async function enrollForm(main) {
    const box = msgBox({ testid: 'enroll-error' });
    const body = h('div', { class: 'stack' });
    main.append(authCard('auth.enrollTitle', h('p', { class: 'muted' }, t('auth.enrollIntro')), body, button('auth.restart', logout, { class: 'link' })));
    const uidNow = state.session.user.id;
    try {
      await enrolmentPanel(body, uidNow, (s) => afterAuthStep(s));
    } catch (err) {
      body.append(box);
      showError(box, err);
    }
  }

  // Starts (or reuses) a TOTP enrolment and renders secret, URI and the confirmation form.
  async function enrolmentPanel(body, userId, onConfirmed) {
    if (!state.enrollment || state.enrollment.userId !== userId) {
      const e = await api('POST', '/api/v1/auth/totp/enroll', undefined, { quiet: true });
      state.enrollment = { userId, secret: e.secret, uri: e.uri };
    }
    const { secret, uri } = state.enrollment;
    const code = codeInput('enroll-code');
    const box = msgBox({ testid: 'enroll-error' });
    append(body, [
      h('ol', { class: 'steps' }, h('li', null, t('auth.enrollStep1')), h('li', null, t('auth.enrollStep2')), h('li', null, t('auth.enrollStep3'))),
      h('div', { class: 'kv' }, h('div', { class: 'k' }, t('auth.enrollSecret')), h('div', { class: 'v' }, mono(groupSecret(secret), { testid: 'enroll-secret', 'data-secret': secret }), copyButton(secret))),
      h('div', { class: 'kv' }, h('div', { class: 'k' }, t('auth.enrollUri')), h('div', { class: 'v' }, mono(uri, { testid: 'enroll-uri', class: 'mono wrap' }), copyButton(uri))),
      h(
        'form',
        {
          class: 'stack',
          onsubmit: async (e) => {
            e.preventDefault();
            try {
              const s = await api('POST', '/api/v1/auth/totp/confirm', { code: code.value.trim() }, { quiet: true });
              state.enrollment = null;
              onConfirmed(s, box);
            } catch (err) {
              showError(box, err);
            }
          },
        },
        field('auth.totpCode', code),
        h('button', { type: 'submit', class: 'primary', testid: 'enroll-submit' }, t('auth.enrollConfirm')),
        box,
      ),
    ]);
    code.focus();
  }

  function groupSecret(s) {
    return String(s || '').replace(/(.{4})(?=.)/g, '$1 ');
  }

  function copyButton(text) {
    const b = h('button', { type: 'button', class: 'small ghost-dark' }, t('common.copy'));
    b.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(text);
        b.textContent = t('common.copied');
      } catch (e) {
        // Clipboard API needs a secure context; fall back to selecting the text for Ctrl+C.
        const sib = b.previousElementSibling;
        if (sib) {
          const r = document.createRange();
          r.selectNodeContents(sib);
          const sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(r);
        }
        b.textContent = t('common.selected');
      }
    });
    return b;
  }

  // ---------------------------------------------------------------- dashboard

  async function viewDashboard(main, params, query, tok) {
    main.append(pageTitle('nav.dashboard'));
    const [d] = await Promise.all([api('GET', '/api/v1/dashboard'), loadRegions()]);
    if (!alive(tok)) return;

    const statusTiles = h(
      'div',
      { class: 'tiles', testid: 'status-counts' },
      h('div', { class: 'tile total' }, h('div', { class: 'tile-num', testid: 'total-apps' }, String(d.total_apps ?? 0)), h('div', { class: 'tile-label' }, t('dash.totalApps'))),
      (d.by_status || []).map((s) =>
        h('a', { class: 'tile status-' + s.key, href: '#/apps' + qs({ status: s.key }), testid: 'status-' + s.key }, h('div', { class: 'tile-num' }, String(s.count)), h('div', { class: 'tile-label' }, has('status.' + s.key) ? t('status.' + s.key) : s.label || s.key)),
      ),
    );
    main.append(statusTiles);

    const gradeEl = h('div', { class: 'chart', testid: 'chart-grade', role: 'img', 'aria-label': t('dash.byGrade') });
    const regionEl = h('div', { class: 'chart', testid: 'chart-region', role: 'img', 'aria-label': t('dash.byRegion') });
    main.append(h('div', { class: 'grid2' }, card('dash.byGrade', null, gradeEl), card('dash.byRegion', null, regionEl)));

    const grades = d.by_grade || [];
    chart(gradeEl, {
      tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
      legend: { bottom: 0 },
      series: [
        {
          type: 'pie',
          radius: ['40%', '68%'],
          avoidLabelOverlap: true,
          label: { formatter: '{b}\n{c}' },
          data: grades.map((g) => ({ name: gradeLabel(g.key), value: g.count, itemStyle: { color: gradeColor(g.key) } })),
        },
      ],
    });
    const regions = d.by_region || [];
    const rlabel = (r) => {
      const known = (state.regions || []).some((x) => x.code === r.key);
      return known ? regionName(r.key) : r.label || r.key;
    };
    chart(regionEl, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: regions.map(rlabel), axisLabel: { interval: 0, rotate: regions.length > 6 ? 30 : 0 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', name: t('dash.apps'), data: regions.map((r) => r.count), itemStyle: { color: '#1f4e8c' }, barMaxWidth: 40 }],
    });

    const pending = (d.pending_reviews || []).map((a) =>
      h('li', null, h('a', { href: '#/apps/' + encodeURIComponent(a.id) }, appName(a)), h('span', { class: 'muted' }, ` ${a.package} · ${regionName(a.region_code)} · ${fmtTime(a.created_at)}`)),
    );
    const rules = (d.top_rules || []).map((r) => h('tr', null, h('td', null, mono(r.key)), h('td', null, pick(r.label)), h('td', { class: 'num' }, String(r.count))));
    main.append(
      h(
        'div',
        { class: 'grid2' },
        card('dash.pending', { testid: 'pending-list' }, pending.length ? h('ul', { class: 'plain' }, pending) : h('p', { class: 'empty' }, t('dash.noPending'))),
        card('dash.topRules', { testid: 'top-rules' }, table(['dash.rule', 'dash.ruleTitle', 'dash.count'], rules)),
      ),
    );
    main.append(card('dash.recentScans', { testid: 'recent-scans' }, scansTable(d.recent_scans || [], true)));
  }

  function scansTable(scans, withApp) {
    const rows = scans.map((s) =>
      h(
        'tr',
        { testid: 'scan-row', 'data-scan-id': s.id, 'data-status': s.status },
        h('td', null, fmtTime(s.created_at)),
        withApp ? h('td', null, h('a', { href: '#/apps/' + encodeURIComponent(s.app_id) }, s.package || s.app_id)) : null,
        h('td', null, s.file_name || '—', h('div', { class: 'muted small' }, fmtBytes(s.size_bytes))),
        h('td', null, h('span', { class: 'badge scan-' + s.status, testid: 'scan-status' }, has('scan.' + s.status) ? t('scan.' + s.status) : s.status), s.error ? h('div', { class: 'error small' }, s.error) : null),
        h('td', null, s.version_name || '—'),
        h('td', { class: 'num' }, fmtScore(s.score)),
        h('td', null, s.status === 'done' ? gradeBadge(s.grade) : '—'),
        h('td', null, h('a', { href: '#/scans/' + encodeURIComponent(s.id), testid: 'scan-report-link' }, t('scan.open'))),
      ),
    );
    const head = ['scan.time', withApp ? 'app.package' : null, 'scan.file', 'scan.status', 'app.version', 'scan.score', 'scan.grade', ''].filter((x) => x !== null);
    return table(head, rows, { class: 'data' });
  }

  // ---------------------------------------------------------------- app list

  async function viewApps(main, params, query, tok) {
    main.append(pageTitle('nav.apps'));
    await loadRegions();
    if (!alive(tok)) return;
    const f = {
      status: query.get('status') || '',
      grade: query.get('grade') || '',
      q: query.get('q') || '',
      region: query.get('region') || '',
      offset: Math.max(0, Number(query.get('offset')) || 0),
    };
    const status = select([['', t('common.all')], ...APP_STATUSES.map((s) => [s, t('status.' + s)])], { value: f.status, testid: 'filter-status' });
    const grade = select([['', t('common.all')], ['A', t('grade.A')], ['B', t('grade.B')], ['C', t('grade.C')]], { value: f.grade, testid: 'filter-grade' });
    const q = input({ type: 'search', value: f.q, placeholder: t('apps.searchHint'), testid: 'filter-q' });
    const region = select(regionOptions('common.allRegions'), { value: f.region, testid: 'filter-region' });
    const form = h(
      'form',
      {
        class: 'filters',
        role: 'search',
        onsubmit: (e) => {
          e.preventDefault();
          go('#/apps' + qs({ status: status.value, grade: grade.value, q: q.value.trim(), region: region.value }));
        },
      },
      field('apps.status', status),
      field('apps.grade', grade),
      field('apps.region', region),
      field('apps.search', q),
      h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary', testid: 'filter-submit' }, t('common.filter')), button('common.reset', () => go('#/apps'))),
    );
    main.append(card(null, null, form));

    const res = await api('GET', '/api/v1/apps' + qs({ status: f.status, grade: f.grade, q: f.q, region: f.region, limit: PAGE_SIZE, offset: f.offset }));
    if (!alive(tok)) return;
    const items = res.items || [];
    const rows = items.map((a) =>
      h(
        'tr',
        { testid: 'app-row', 'data-app-id': a.id },
        h('td', null, h('a', { href: '#/apps/' + encodeURIComponent(a.id) }, appName(a))),
        h('td', null, mono(a.package)),
        h('td', null, a.version || '—'),
        h('td', null, regionName(a.region_code)),
        h('td', null, statusBadge(a.status)),
        h('td', null, a.latest_grade ? gradeBadge(a.latest_grade) : gradeBadge(null)),
        h('td', { class: 'num' }, fmtScore(a.latest_score)),
        h('td', null, fmtTime(a.updated_at)),
      ),
    );
    main.append(
      card(
        null,
        null,
        table(['app.name', 'app.package', 'app.version', 'app.region', 'app.status', 'scan.grade', 'scan.score', 'app.updated'], rows, { class: 'data', testid: 'apps-table' }),
        pager(res.total || 0, res.offset ?? f.offset, res.limit || PAGE_SIZE, (off) => '#/apps' + qs({ status: f.status, grade: f.grade, q: f.q, region: f.region, offset: off || '' })),
      ),
    );
  }

  function pager(total, offset, limit, hrefFor) {
    const from = total ? offset + 1 : 0;
    const to = Math.min(total, offset + limit);
    return h(
      'div',
      { class: 'pager', testid: 'pager' },
      h('span', null, t('common.range', { from, to, total })),
      offset > 0 ? h('a', { class: 'btn', href: hrefFor(Math.max(0, offset - limit)), testid: 'page-prev' }, t('common.prev')) : null,
      to < total ? h('a', { class: 'btn', href: hrefFor(offset + limit), testid: 'page-next' }, t('common.next')) : null,
    );
  }

  // ---------------------------------------------------------------- app detail

  async function viewApp(main, [id], query, tok) {
    const [d] = await Promise.all([api('GET', '/api/v1/apps/' + encodeURIComponent(id)), loadRegions()]);
    if (!alive(tok)) return;
    const a = d.app;
    main.append(pageTitle('app.detailTitle', h('span', { class: 'title-sub' }, appName(a))), h('p', null, statusBadge(a.status, { testid: 'app-status' }), ' ', a.latest_grade ? gradeBadge(a.latest_grade) : null));

    const facts = [
      ['app.nameZh', a.name_zh],
      ['app.nameEn', a.name_en],
      ['app.platform', a.platform],
      ['app.package', mono(a.package, { testid: 'app-package' })],
      ['app.version', a.version],
      ['app.cert', mono(a.cert_sha256, { class: 'mono wrap' })],
      ['app.channels', (a.channels || []).join('、') || '—'],
      ['app.unit', d.unit_name || unitName(a.unit_id)],
      ['app.region', d.region_name ? pick(d.region_name) : regionName(a.region_code)],
      ['app.created', fmtTime(a.created_at)],
      ['app.updated', fmtTime(a.updated_at)],
      ['app.latest', a.latest_scan_id ? h('span', null, fmtScore(a.latest_score), ' ', gradeBadge(a.latest_grade), ' ', h('a', { href: '#/scans/' + encodeURIComponent(a.latest_scan_id) }, t('scan.open'))) : '—'],
    ];
    main.append(card('app.facts', { testid: 'app-facts' }, h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', null, t(k)), h('dd', null, v == null || v === '' ? '—' : v)]))));

    if (hasRole(['reviewer']) && a.status === 'pending') {
      main.append(card('review.title', { testid: 'review-panel' }, reviewControls(a, () => render())));
    }

    main.append(contactsCard(d.contacts || []));
    main.append(
      card(
        'app.reviews',
        { testid: 'reviews-list' },
        table(
          ['review.time', 'review.decision', 'review.reason', 'review.reviewer'],
          (d.reviews || []).map((r) => h('tr', null, h('td', null, fmtTime(r.created_at)), h('td', null, has('review.' + r.decision) ? t('review.' + r.decision) : r.decision), h('td', null, r.reason || '—'), h('td', null, mono(r.reviewer_id)))),
        ),
      ),
    );
    main.append(authCodesCard(d.auth_codes || []));

    // Scans: upload, list (polled while any scan is unfinished) and grade history.
    const scansBody = h('div', { testid: 'scans-body' });
    const historyEl = h('div', { class: 'chart', testid: 'chart-history', role: 'img', 'aria-label': t('app.history') });
    const uploadBox = msgBox({ testid: 'upload-status' });
    let historyChart = null;
    const drawScans = (scans) => {
      clear(scansBody).append(scansTable(scans, false));
      const done = scans.filter((s) => s.status === 'done' && s.score != null).sort((x, y) => (String(x.created_at) < String(y.created_at) ? -1 : 1));
      const opt = {
        title: done.length ? { show: false } : { show: true, text: t('app.noHistory'), left: 'center', top: 'middle', textStyle: { color: '#8a94a3', fontSize: 14, fontWeight: 'normal' } },
        tooltip: { trigger: 'axis' },
        grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: done.map((s) => fmtTime(s.created_at).slice(5, 16)), boundaryGap: ['4%', '4%'] },
        yAxis: { type: 'value', min: 0, max: 100 },
        visualMap: { show: false, pieces: [{ lte: 60, color: GRADE_COLORS.C }, { gt: 60, lt: 80, color: GRADE_COLORS.B }, { gte: 80, color: GRADE_COLORS.A }] },
        series: [
          {
            type: 'line',
            name: t('scan.score'),
            data: done.map((s) => s.score),
            symbolSize: 8,
            markLine: { silent: true, symbol: 'none', lineStyle: { type: 'dashed', color: '#999' }, data: [{ yAxis: 60 }, { yAxis: 80 }] },
          },
        ],
      };
      if (historyChart) historyChart.setOption(opt, true);
      else historyChart = chart(historyEl, opt);
    };
    const unfinished = (scans) => scans.some((s) => s.status === 'queued' || s.status === 'running');
    const poll = (waitFor) => {
      setTimeout(async () => {
        if (!alive(tok)) return;
        try {
          const scans = await api('GET', `/api/v1/apps/${encodeURIComponent(id)}/scans`);
          if (!alive(tok)) return;
          drawScans(scans);
          const mine = waitFor && scans.find((s) => s.id === waitFor);
          if (mine && mine.status === 'done') {
            uploadBox.className = 'msg ok';
            clear(uploadBox).append(t('scan.finished', { score: fmtScore(mine.score), grade: mine.grade || '—' }), ' ', h('a', { href: '#/scans/' + encodeURIComponent(mine.id), testid: 'upload-report-link' }, t('scan.open')));
          } else if (mine && mine.status === 'failed') {
            showMsg(uploadBox, 'error', t('scan.failedMsg', { error: mine.error || '' }));
          }
          if (unfinished(scans)) poll(waitFor);
        } catch (err) {
          if (alive(tok)) showError(uploadBox, err);
        }
      }, 1200);
    };

    const uploadRow = hasRole(UPLOADERS) ? uploadControls(id, uploadBox, (scan) => poll(scan.id)) : null;
    main.append(card('app.scans', { testid: 'scans-card' }, uploadRow, uploadBox, scansBody));
    main.append(card('app.history', null, historyEl));
    drawScans(d.scans || []);
    if (unfinished(d.scans || [])) poll(null);
  }

  function uploadControls(appId, box, onStarted) {
    const file = h('input', { type: 'file', accept: '.apk,application/vnd.android.package-archive', testid: 'scan-file' });
    const btn = h('button', { type: 'button', class: 'primary', testid: 'scan-upload' }, t('scan.upload'));
    btn.addEventListener('click', async () => {
      const f = file.files && file.files[0];
      if (!f) {
        showMsg(box, 'error', t('scan.chooseFile'));
        return;
      }
      btn.disabled = true;
      showMsg(box, 'info', t('scan.uploading', { name: f.name, size: fmtBytes(f.size) }));
      try {
        const bytes = await f.arrayBuffer();
        const scan = await api('POST', `/api/v1/apps/${encodeURIComponent(appId)}/scans${qs({ file_name: f.name })}`, bytes);
        showMsg(box, 'info', t('scan.queuedMsg'));
        onStarted(scan);
      } catch (err) {
        showError(box, err);
      } finally {
        btn.disabled = false;
      }
    });
    return h('div', { class: 'inline-form' }, field('scan.chooseApk', file), btn);
  }

  function reviewControls(app, onDone) {
    const box = msgBox({ testid: 'review-msg' });
    const reason = input({ placeholder: t('review.reasonHint'), testid: 'reject-reason-' + app.id, 'aria-label': t('review.reason') });
    const decide = async (decision) => {
      if (decision === 'reject' && !reason.value.trim()) {
        showMsg(box, 'error', t('review.reasonRequired'));
        reason.focus();
        return;
      }
      try {
        await api('POST', `/api/v1/apps/${encodeURIComponent(app.id)}/review`, { decision, reason: reason.value.trim() });
        showMsg(box, 'ok', t(decision === 'approve' ? 'review.approvedMsg' : 'review.rejectedMsg'));
        onDone();
      } catch (err) {
        showError(box, err);
      }
    };
    return h(
      'div',
      { class: 'review-controls' },
      button('review.approve', () => decide('approve'), { class: 'primary', testid: 'approve-' + app.id }),
      reason,
      button('review.reject', () => decide('reject'), { class: 'danger', testid: 'reject-' + app.id }),
      box,
    );
  }

  function contactsCard(contacts) {
    const box = msgBox({ testid: 'contacts-msg' });
    const rows = contacts.map((c) => {
      const tr = h('tr', { testid: 'contact-row' });
      const fill = (x) => {
        clear(tr).append(
          h('td', null, x.name || '—'),
          h('td', null, mono(x.phone || '—')),
          h('td', null, mono(x.email || '—')),
          h(
            'td',
            null,
            // The button is offered to everyone who can read the app: the server decides
            // (PiiUnmask) and its refusal is shown, which is clearer than a missing button.
            x.unmasked
              ? h('span', { class: 'muted' }, t('contact.shown'))
              : button(
                    'contact.unmask',
                    async () => {
                      try {
                        const full = await api('POST', `/api/v1/contacts/${encodeURIComponent(x.id)}/unmask`);
                        fill(Object.assign({}, x, full, { unmasked: true }));
                        showMsg(box, 'info', t('contact.audited'));
                      } catch (err) {
                        showError(box, err);
                      }
                    },
                  { class: 'small', testid: 'unmask-' + x.id },
                ),
          ),
        );
      };
      fill(c);
      return tr;
    });
    return card('app.contacts', { testid: 'contacts' }, table(['contact.name', 'contact.phone', 'contact.email', ''], rows, { class: 'data' }), box);
  }

  function authCodesCard(codes) {
    const items = codes.map((c) => {
      const box = msgBox();
      const revoked = Boolean(c.revoked_at);
      const reason = input({ placeholder: t('code.revokeReason'), 'aria-label': t('code.revokeReason'), testid: 'revoke-reason-' + c.jti });
      return h(
        'div',
        { class: 'authcode' + (revoked ? ' revoked' : ''), testid: 'authcode', 'data-jti': c.jti },
        h('div', { class: 'authcode-meta' }, revoked ? h('span', { class: 'badge status-revoked' }, t('code.revoked')) : h('span', { class: 'badge status-approved' }, t('code.valid')), ' ', t('code.issued'), ' ', fmtTime(c.issued_at), ' · ', t('code.expires'), ' ', fmtTime(c.expires_at), ' · kid ', mono(c.kid)),
        h('div', { class: 'token-box' }, h('code', { class: 'mono token', testid: 'authcode-token', tabindex: '0' }, c.token), copyButton(c.token)),
        revoked ? h('div', { class: 'muted' }, t('code.revokedAt', { time: fmtTime(c.revoked_at), reason: c.revoke_reason || '—' })) : null,
        !revoked && hasRole(REVOKERS)
          ? h(
              'div',
              { class: 'inline-form' },
              reason,
              button(
                'code.revoke',
                async () => {
                  if (!reason.value.trim()) {
                    showMsg(box, 'error', t('code.reasonRequired'));
                    return;
                  }
                  try {
                    await api('POST', `/api/v1/authcodes/${encodeURIComponent(c.jti)}/revoke`, { reason: reason.value.trim() });
                    render();
                  } catch (err) {
                    showError(box, err);
                  }
                },
                { class: 'danger small', testid: 'revoke-' + c.jti },
              ),
            )
          : null,
        box,
      );
    });
    return card('app.codes', { testid: 'authcodes' }, items.length ? items : h('p', { class: 'empty' }, t('code.none')));
  }

  // ---------------------------------------------------------------- scan report

  async function viewScan(main, [id], query, tok) {
    const d = await api('GET', '/api/v1/scans/' + encodeURIComponent(id));
    if (!alive(tok)) return;
    const s = d.scan;
    main.append(pageTitle('report.title', h('span', { class: 'title-sub' }, s.file_name || '')));
    main.append(h('p', null, h('a', { href: '#/apps/' + encodeURIComponent(s.app_id) }, '← ', t('report.backToApp'))));
    if (s.status === 'queued' || s.status === 'running') {
      main.append(h('p', { class: 'msg info', testid: 'report-pending', role: 'status' }, t('report.pending', { status: t('scan.' + s.status) })));
      setTimeout(() => {
        if (alive(tok)) render();
      }, 1500);
      return;
    }
    if (s.status === 'failed' || !d.report) {
      main.append(h('p', { class: 'msg error', testid: 'report-failed' }, t('scan.failedMsg', { error: s.error || '' })));
      return;
    }
    const r = d.report;
    const score = r.score || {};
    const grade = score.grade || s.grade;
    const match = d.matches_registration;

    main.append(
      h(
        'div',
        { class: 'report-head' },
        h(
          'div',
          { class: 'card score-card', testid: 'score-card' },
          h('div', { class: 'score-num', testid: 'score-value' }, fmtScore(score.score ?? s.score)),
          h('div', { class: 'score-label' }, t('scan.score')),
          gradeBadge(grade, { testid: 'grade-badge', class: 'badge grade big grade-' + (GRADE_COLORS[grade] ? grade : 'none') }),
          h('div', { class: 'muted small' }, t('report.gradeRule')),
        ),
        card(
          'report.package',
          { class: 'card grow' },
          h(
            'dl',
            { class: 'facts' },
            [
              ['app.package', mono(r.package || s.package)],
              ['app.version', `${r.version_name || s.version_name || '—'} (${r.version_code ?? '—'})`],
              ['report.label', r.label || '—'],
              ['app.cert', mono(s.cert_sha256 || '—', { class: 'mono wrap' })],
              ['report.sha256', mono(s.sha256, { class: 'mono wrap' })],
              ['report.size', fmtBytes(s.size_bytes)],
              ['report.rulePack', r.rule_pack ? `${r.rule_pack.id || ''} ${r.rule_pack.version || ''}`.trim() + (r.rule_pack.rules ? t('report.ruleCount', { n: r.rule_pack.rules }) : '') : s.rule_pack || '—'],
              ['report.model', score.model ? String(score.model) : '—'],
              ['report.date', r.scan_date || fmtTime(s.finished_at)],
              [
                'report.registration',
                match === true
                  ? h('span', { class: 'badge status-approved', testid: 'registration-match' }, t('report.matches'))
                  : match === false
                    ? h('span', { class: 'badge status-rejected', testid: 'registration-match' }, t('report.mismatch'))
                    : h('span', { class: 'muted', testid: 'registration-match' }, t('report.noRegistration')),
              ],
            ].map(([k, v]) => [h('dt', null, t(k)), h('dd', null, v)]),
          ),
        ),
      ),
    );

    // Breakdown: chart of the model's top-level categories, table of every node.
    const root = score.breakdown;
    const top = root && Array.isArray(root.children) && root.children.length ? root.children : root ? [root] : [];
    const bdEl = h('div', { class: 'chart tall', testid: 'breakdown-chart', role: 'img', 'aria-label': t('report.breakdown') });
    const nodeRows = [];
    const walk = (n, depth) => {
      nodeRows.push(
        h(
          'tr',
          { class: 'depth-' + Math.min(depth, 4), testid: 'node-row' },
          h('td', { class: 'node-title' }, h('span', { class: 'indent', 'aria-hidden': 'true' }, '\u3000'.repeat(depth)), pick(n.title) || n.id, ' ', h('span', { class: 'muted small' }, n.id)),
          h('td', { class: 'num' }, n.weight == null ? '—' : String(n.weight)),
          h('td', { class: 'num' }, fmtScore(n.aggregate)),
          h('td', { class: 'num' }, h('span', { class: 'score-pill', 'data-band': band(n.score) }, fmtScore(n.score))),
          h('td', { class: 'num' }, n.ceiling == null ? '—' : fmtScore(n.ceiling)),
          h('td', null, n.capped_by ? mono(Array.isArray(n.capped_by) ? n.capped_by.join(', ') : String(n.capped_by)) : '—'),
          h('td', { class: 'num' }, String((n.findings || []).length)),
        ),
      );
      for (const c of n.children || []) walk(c, depth + 1);
    };
    if (root) walk(root, 0);
    main.append(
      card(
        'report.breakdown',
        { testid: 'breakdown' },
        bdEl,
        h(
          'details',
          { class: 'nodes' },
          h('summary', null, t('report.nodes')),
          table(['report.node', 'report.weight', 'report.aggregate', 'scan.score', 'report.ceiling', 'report.cappedBy', 'report.findingCount'], nodeRows, { class: 'data compact', testid: 'nodes-table' }),
        ),
      ),
    );
    const cats = top.slice().reverse();
    chart(bdEl, {
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (ps) => {
          const p = ps[0];
          const n = cats[p.dataIndex];
          return `${p.name}<br/>${t('scan.score')}: ${fmtScore(n.score)}${n.weight != null ? `<br/>${t('report.weight')}: ${n.weight}` : ''}<br/>${t('report.findingCount')}: ${countFindings(n)}`;
        },
      },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', min: 0, max: 100 },
      yAxis: { type: 'category', data: cats.map((n) => pick(n.title) || n.id), axisLabel: { width: 180, overflow: 'truncate' } },
      series: [
        {
          type: 'bar',
          name: t('scan.score'),
          data: cats.map((n) => ({ value: n.score == null ? 0 : Math.round(n.score * 10) / 10, itemStyle: { color: scoreColor(n.score) } })),
          label: { show: true, position: 'right' },
          barMaxWidth: 22,
        },
      ],
    });

    main.append(findingsCard(r.findings || []));
    main.append(sdksCard(r.sdks || [], r.packers || []));
    main.append(protectionsCard(r.protections || []));
  }

  function band(score) {
    if (score == null) return 'none';
    if (score >= 80) return 'A';
    if (score > 60) return 'B';
    return 'C';
  }

  function countFindings(n) {
    return (n.findings || []).length + (n.children || []).reduce((acc, c) => acc + countFindings(c), 0);
  }

  function evidenceText(v) {
    if (v == null) return '';
    if (typeof v === 'string') return v;
    return JSON.stringify(v);
  }

  function findingsCard(findings) {
    const sorted = findings.slice().sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9) || String(a.rule_id).localeCompare(String(b.rule_id)));
    const counts = {};
    for (const f of findings) counts[f.severity] = (counts[f.severity] || 0) + 1;
    const rows = [];
    for (const f of sorted) {
      const detailId = uid('finding');
      const ev = f.evidence || [];
      const detail = h(
        'tr',
        { id: detailId, class: 'finding-detail', hidden: true },
        h(
          'td',
          { colspan: 6 },
          h('div', { class: 'detail-grid' }, h('h3', null, t('finding.description')), h('p', null, pick(f.description)), h('h3', null, t('finding.remediation')), h('p', null, pick(f.remediation))),
          h(
            'dl',
            { class: 'facts compact' },
            h('dt', null, t('finding.confidence')),
            h('dd', null, has('conf.' + f.confidence) ? t('conf.' + f.confidence) : f.confidence || '—'),
            h('dt', null, t('finding.node')),
            h('dd', null, mono(f.risk_node || '—')),
            h('dt', null, 'MASVS'),
            h('dd', null, (f.masvs || []).join(', ') || '—'),
            h('dt', null, t('finding.national')),
            h('dd', null, (f.national || []).map((n) => (typeof n === 'object' ? `${n.standard} ${n.clause}` : String(n))).join('；') || '—'),
            h('dt', null, t('finding.evidenceAll', { n: f.evidence_total ?? ev.length })),
            h('dd', null, ev.length ? h('ul', { class: 'evidence' }, ev.map((e) => h('li', null, mono(evidenceText(e), { class: 'mono wrap' })))) : '—'),
          ),
        ),
      );
      const toggle = h('button', { type: 'button', class: 'small ghost-dark', 'aria-expanded': 'false', 'aria-controls': detailId, testid: 'finding-toggle' }, t('finding.more'));
      toggle.addEventListener('click', () => {
        detail.hidden = !detail.hidden;
        toggle.setAttribute('aria-expanded', String(!detail.hidden));
        toggle.textContent = t(detail.hidden ? 'finding.more' : 'finding.less');
      });
      rows.push(
        h(
          'tr',
          { testid: 'finding-row', 'data-rule': f.rule_id, 'data-severity': f.severity },
          h('td', null, severityBadge(f.severity)),
          h('td', { class: 'nowrap' }, mono(f.rule_id)),
          h('td', null, pick(f.title)),
          h('td', { class: 'nowrap' }, (f.cwe || []).join(', ') || '—'),
          h('td', { class: 'evidence-cell' }, ev.slice(0, 2).map((e) => h('div', { class: 'mono small ellipsis', title: evidenceText(e) }, evidenceText(e))), ev.length > 2 ? h('div', { class: 'muted small' }, t('finding.moreEvidence', { n: (f.evidence_total ?? ev.length) - 2 })) : null),
          h('td', null, toggle),
        ),
        detail,
      );
    }
    const summary = h('p', { class: 'sev-summary' }, ['critical', 'high', 'medium', 'low', 'info'].filter((s) => counts[s]).map((s) => [severityBadge(s), ` ${counts[s]}  `]));
    return card('report.findings', { testid: 'findings' }, findings.length ? summary : null, table(['finding.severity', 'finding.rule', 'finding.title', 'CWE', 'finding.evidence', ''], rows, { class: 'data', testid: 'findings-table' }));
  }

  function sdksCard(sdks, packers) {
    const rows = sdks.map((s) =>
      h(
        'tr',
        { testid: 'sdk-row' },
        h('td', null, (state.lang === 'zh' && s.name_zh) || s.name, s.name_zh && state.lang === 'zh' ? h('div', { class: 'muted small' }, s.name) : null),
        h('td', null, s.vendor || '—'),
        h('td', null, has('sdkcat.' + s.category) ? t('sdkcat.' + s.category) : s.category || '—'),
        h('td', null, (s.personal_data || []).map((p) => (has('pd.' + p) ? t('pd.' + p) : p)).join('、') || t('sdk.unknownData')),
        h('td', { class: 'num' }, String(s.match_count ?? '—')),
      ),
    );
    return card(
      'report.sdks',
      { testid: 'sdks' },
      table(['sdk.name', 'sdk.vendor', 'sdk.category', 'sdk.personalData', 'sdk.matches'], rows, { class: 'data' }),
      packers.length ? h('p', null, h('strong', null, t('report.packers')), ' ', packers.map((p) => (state.lang === 'zh' && p.name_zh) || p.name).join('、')) : null,
    );
  }

  function protectionsCard(items) {
    return card(
      'report.protections',
      { testid: 'protections' },
      items.length
        ? h(
            'ul',
            { class: 'protections' },
            items.map((p) => h('li', null, h('strong', null, state.lang === 'en' ? p.en || p.zh : p.zh || p.en), ' ', h('span', { class: 'muted small' }, p.id), (p.evidence || []).length ? h('div', { class: 'mono small wrap' }, p.evidence.slice(0, 3).join(' · ')) : null)),
          )
        : h('p', { class: 'empty' }, t('report.noProtections')),
    );
  }

  // ---------------------------------------------------------------- registration

  async function viewRegister(main, params, query, tok) {
    main.append(pageTitle('nav.register'), h('p', { class: 'muted' }, t('reg.intro')));
    await loadRegions();
    if (!alive(tok)) return;
    const nameZh = input({ required: true, testid: 'reg-name-zh', name: 'name_zh' });
    const nameEn = input({ testid: 'reg-name-en', name: 'name_en', lang: 'en' });
    const platform = select([['android', 'Android'], ['ios', 'iOS'], ['miniprogram', t('reg.miniprogram')]], { testid: 'reg-platform' });
    const pkg = input({ required: true, testid: 'reg-package', class: 'mono', spellcheck: 'false', pattern: '[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)+' });
    const version = input({ required: true, testid: 'reg-version', pattern: '\\d+\\.\\d+', placeholder: '1.0' });
    const cert = input({ required: true, testid: 'reg-cert', class: 'mono', spellcheck: 'false', pattern: '[0-9A-Fa-f:]{64,95}' });
    const channels = input({ testid: 'reg-channels', placeholder: t('reg.channelsHint') });
    const region = select(regionOptions('reg.regionDefault'), { testid: 'reg-region' });
    const apkBox = msgBox({ testid: 'apk-read-status' });
    const apkFile = h('input', { type: 'file', accept: '.apk,application/vnd.android.package-archive', testid: 'apk-file' });
    apkFile.addEventListener('change', async () => {
      const f = apkFile.files && apkFile.files[0];
      if (!f) return;
      showMsg(apkBox, 'info', t('reg.reading', { name: f.name }));
      try {
        const facts = await api('POST', '/api/v1/apps/from-package', await f.arrayBuffer());
        pkg.value = facts.package || '';
        version.value = facts.version || shortVersion(facts.version_name);
        cert.value = facts.cert_sha256 || '';
        nameZh.value = facts.label_zh || facts.label || nameZh.value;
        nameEn.value = facts.label || nameEn.value;
        showMsg(apkBox, facts.signature_verified ? 'ok' : 'warn', t(facts.signature_verified ? 'reg.readOk' : 'reg.readUnverified', { pkg: facts.package, version: facts.version_name || '' }));
      } catch (err) {
        showError(apkBox, err);
      }
    });

    const contactsBody = h('tbody');
    const addContact = (c) => {
      const name = input({ required: true, value: (c && c.name) || '', testid: 'contact-name', 'aria-label': t('contact.name') });
      const phone = input({ type: 'tel', required: true, value: (c && c.phone) || '', testid: 'contact-phone', 'aria-label': t('contact.phone') });
      const email = input({ type: 'email', required: true, value: (c && c.email) || '', testid: 'contact-email', 'aria-label': t('contact.email') });
      const tr = h('tr', { testid: 'contact-edit-row' }, h('td', null, name), h('td', null, phone), h('td', null, email), h('td', null));
      tr.lastChild.append(
        button('reg.removeContact', () => {
          if (contactsBody.children.length > 1) tr.remove();
        }, { class: 'small ghost-dark', testid: 'contact-remove' }),
      );
      contactsBody.append(tr);
    };
    addContact();

    const box = msgBox({ testid: 'reg-msg' });
    const form = h(
      'form',
      {
        class: 'stack',
        testid: 'register-form',
        onsubmit: async (e) => {
          e.preventDefault();
          const contacts = Array.from(contactsBody.querySelectorAll('tr')).map((tr) => {
            const [n, p, m] = tr.querySelectorAll('input');
            return { name: n.value.trim(), phone: p.value.trim(), email: m.value.trim() };
          });
          const body = {
            name_zh: nameZh.value.trim(),
            name_en: nameEn.value.trim(),
            platform: platform.value,
            package: pkg.value.trim(),
            cert_sha256: cert.value.trim(),
            version: version.value.trim(),
            channels: channels.value.split(/[,，;；\s]+/).map((x) => x.trim()).filter(Boolean),
            contacts,
          };
          if (region.value) body.region_code = region.value;
          try {
            const app = await api('POST', '/api/v1/apps', body);
            go('#/apps/' + encodeURIComponent(app.id));
          } catch (err) {
            showError(box, err);
          }
        },
      },
      h('fieldset', null, h('legend', null, t('reg.fromApk')), field('reg.apkFile', apkFile, { hint: t('reg.apkHint') }), apkBox),
      h(
        'fieldset',
        null,
        h('legend', null, t('reg.facts')),
        h(
          'div',
          { class: 'form-grid' },
          field('app.nameZh', nameZh, { required: true }),
          field('app.nameEn', nameEn),
          field('app.platform', platform),
          field('app.package', pkg, { required: true }),
          field('app.version', version, { required: true, hint: t('reg.versionHint') }),
          field('app.region', region),
          field('app.cert', cert, { required: true, wide: true, hint: t('reg.certHint') }),
          field('app.channels', channels, { wide: true }),
        ),
      ),
      h(
        'fieldset',
        null,
        h('legend', null, t('app.contacts')),
        h('div', { class: 'table-wrap' }, h('table', { class: 'data edit' }, h('thead', null, h('tr', null, [t('contact.name'), t('contact.phone'), t('contact.email')].map((x) => h('th', { scope: 'col' }, x, h('span', { class: 'req', 'aria-hidden': 'true' }, ' *'))), h('th', null, ''))), contactsBody)),
        button('reg.addContact', () => addContact(), { class: 'small', testid: 'contact-add' }),
        h('p', { class: 'hint' }, t('reg.contactsHint')),
      ),
      h('div', null, h('button', { type: 'submit', class: 'primary', testid: 'reg-submit' }, t('reg.submit'))),
      box,
    );
    main.append(card(null, null, form));
  }

  // "4.1.2" -> "4.1": registrations record major.minor.
  function shortVersion(v) {
    const m = String(v || '').match(/^(\d+)\.(\d+)/);
    return m ? `${m[1]}.${m[2]}` : '';
  }

  // ---------------------------------------------------------------- review queue

  async function viewReviews(main, params, query, tok) {
    main.append(pageTitle('nav.reviews'), h('p', { class: 'muted' }, t('review.intro')));
    await loadRegions();
    const res = await api('GET', '/api/v1/apps' + qs({ status: 'pending', limit: 100 }));
    if (!alive(tok)) return;
    const rows = (res.items || []).map((a) =>
      h(
        'tr',
        { testid: 'review-row', 'data-app-id': a.id },
        h('td', null, h('a', { href: '#/apps/' + encodeURIComponent(a.id) }, appName(a))),
        h('td', null, mono(a.package)),
        h('td', null, a.version),
        h('td', null, regionName(a.region_code)),
        h('td', null, fmtTime(a.created_at)),
        h('td', null, a.latest_scan_id ? h('span', null, gradeBadge(a.latest_grade), ' ', fmtScore(a.latest_score)) : h('span', { class: 'muted' }, t('review.noScan'))),
        h('td', null, reviewControls(a, () => render())),
      ),
    );
    main.append(card(null, null, h('p', null, t('review.count', { n: res.total ?? rows.length })), table(['app.name', 'app.package', 'app.version', 'app.region', 'app.created', 'app.latest', 'review.actions'], rows, { class: 'data', testid: 'review-table' })));
  }

  // ---------------------------------------------------------------- audit

  // <input type=datetime-local> value -> epoch milliseconds (the API's time unit).
  function toMs(v) {
    if (!v) return '';
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? '' : String(d.getTime());
  }
  function fromMs(v) {
    if (!v) return '';
    const d = new Date(Number(v));
    if (Number.isNaN(d.getTime())) return '';
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  }

  async function viewAudit(main, params, query, tok) {
    main.append(pageTitle('nav.audit'));
    const f = {
      actor: query.get('actor') || '',
      action: query.get('action') || '',
      target_id: query.get('target_id') || '',
      from: query.get('from') || '',
      to: query.get('to') || '',
    };
    const offset = Math.max(0, Number(query.get('offset')) || 0);
    const actor = input({ value: f.actor, testid: 'audit-actor' });
    const action = input({ value: f.action, testid: 'audit-action', placeholder: 'app.review' });
    const target = input({ value: f.target_id, testid: 'audit-target' });
    const from = input({ type: 'datetime-local', value: fromMs(f.from), testid: 'audit-from' });
    const to = input({ type: 'datetime-local', value: fromMs(f.to), testid: 'audit-to' });
    const form = h(
      'form',
      {
        class: 'filters',
        role: 'search',
        onsubmit: (e) => {
          e.preventDefault();
          go('#/audit' + qs({ actor: actor.value.trim(), action: action.value.trim(), target_id: target.value.trim(), from: toMs(from.value), to: toMs(to.value) }));
        },
      },
      field('audit.actor', actor),
      field('audit.action', action),
      field('audit.target', target),
      field('audit.from', from),
      field('audit.to', to),
      h(
        'div',
        { class: 'field actions' },
        h('button', { type: 'submit', class: 'primary', testid: 'audit-filter' }, t('common.filter')),
        h('a', { class: 'btn', href: '/api/v1/audit/export' + qs(f), download: 'medshield-audit.ndjson', testid: 'audit-export' }, t('audit.export')),
      ),
    );
    main.append(card(null, null, form));

    // Chain verification on demand: it reads the whole log.
    const verifyBox = h('div', { testid: 'verify-result', role: 'status', 'aria-live': 'polite' });
    const verifyBtn = button(
      'audit.verify',
      async () => {
        verifyBtn.disabled = true;
        clear(verifyBox).append(h('p', { class: 'msg info' }, t('common.working')));
        try {
          const v = await api('GET', '/api/v1/audit/verify');
          const problems = v.problems || [];
          append(clear(verifyBox), [
            h('p', { class: 'msg ' + (problems.length ? 'error' : 'ok'), testid: problems.length ? 'verify-bad' : 'verify-ok' }, t(problems.length ? 'audit.verifyBad' : 'audit.verifyOk', { records: v.records, checkpoints: v.checkpoints, seq: v.last_checkpoint_seq ?? '—', n: problems.length })),
            problems.length ? h('ul', { class: 'problems' }, problems.map((p) => h('li', null, typeof p === 'string' ? p : JSON.stringify(p)))) : null,
          ]);
        } catch (err) {
          const b = msgBox();
          clear(verifyBox).append(b);
          showError(b, err);
        } finally {
          verifyBtn.disabled = false;
        }
      },
      { class: 'primary', testid: 'audit-verify' },
    );
    main.append(card('audit.chain', null, h('p', { class: 'muted' }, t('audit.chainIntro')), verifyBtn, verifyBox));

    const [res, alerts] = await Promise.all([
      api('GET', '/api/v1/audit' + qs(Object.assign({}, f, { limit: PAGE_SIZE, offset }))),
      api('GET', '/api/v1/audit/alerts').catch(() => []),
    ]);
    if (!alive(tok)) return;
    const alertRows = (alerts || []).map((a) =>
      h('tr', null, h('td', null, fmtTime(a.created_at)), h('td', null, has('alert.' + a.kind) ? t('alert.' + a.kind) : a.kind), h('td', null, a.subject || '—'), h('td', null, localMessage(a.detail) || '—'), h('td', null, a.acknowledged_by ? mono(a.acknowledged_by) : h('span', { class: 'badge status-pending' }, t('audit.open')))),
    );
    main.append(card('audit.alerts', { testid: 'audit-alerts' }, table(['audit.time', 'audit.kind', 'audit.subject', 'audit.detail', 'audit.ack'], alertRows, { class: 'data' })));

    const rows = [];
    for (const it of res.items || []) {
      const detailId = uid('audit');
      const detail = h(
        'tr',
        { id: detailId, hidden: true, class: 'finding-detail' },
        h(
          'td',
          { colspan: 7 },
          h('div', { class: 'grid2' }, h('div', null, h('h3', null, t('audit.before')), h('pre', { class: 'mono json' }, prettyJson(it.before_json))), h('div', null, h('h3', null, t('audit.after')), h('pre', { class: 'mono json' }, prettyJson(it.after_json)))),
          h('p', { class: 'small' }, t('audit.prevHash'), ' ', mono(it.prev_hash, { class: 'mono wrap' }), h('br'), t('audit.hash'), ' ', mono(it.hash, { class: 'mono wrap' })),
        ),
      );
      const toggle = h('button', { type: 'button', class: 'small ghost-dark', 'aria-expanded': 'false', 'aria-controls': detailId }, t('finding.more'));
      toggle.addEventListener('click', () => {
        detail.hidden = !detail.hidden;
        toggle.setAttribute('aria-expanded', String(!detail.hidden));
        toggle.textContent = t(detail.hidden ? 'finding.more' : 'finding.less');
      });
      rows.push(
        h(
          'tr',
          { testid: 'audit-row' },
          h('td', { class: 'num' }, String(it.seq)),
          h('td', null, fmtTime(it.ts)),
          h('td', null, it.actor_name || mono(it.actor_id || '—'), it.role ? h('div', { class: 'muted small' }, roleTitle(it.role)) : null),
          h('td', null, mono(it.ip || '—')),
          h('td', null, mono(it.action)),
          h('td', null, it.target_type || '—', it.target_id ? h('div', { class: 'mono small' }, it.target_id) : null),
          h('td', null, toggle),
        ),
        detail,
      );
    }
    main.append(
      card(
        'audit.log',
        null,
        table(['audit.seq', 'audit.time', 'audit.colActor', 'audit.ip', 'audit.colAction', 'audit.colTarget', ''], rows, { class: 'data', testid: 'audit-table' }),
        pager(res.total || 0, offset, PAGE_SIZE, (off) => '#/audit' + qs(Object.assign({}, f, { offset: off || '' }))),
      ),
    );
  }

  function prettyJson(v) {
    if (v == null || v === '') return '—';
    try {
      return JSON.stringify(typeof v === 'string' ? JSON.parse(v) : v, null, 2);
    } catch (e) {
      return String(v);
    }
  }

  // ---------------------------------------------------------------- administration

  function secretPanel(titleKey, noteKey, rows, testid) {
    return h(
      'div',
      { class: 'secret-panel', role: 'alert' },
      h('h3', null, t(titleKey)),
      h('p', null, t(noteKey)),
      rows.map(([k, v, tid]) => h('div', { class: 'kv' }, h('div', { class: 'k' }, k), h('div', { class: 'v' }, mono(v, { testid: tid || testid, class: 'mono secret' }), copyButton(v)))),
    );
  }

  async function viewUsers(main, params, query, tok) {
    main.append(pageTitle('nav.users'));
    const me = state.session.user;
    const [users] = await Promise.all([api('GET', '/api/v1/users'), loadUnits(true), loadRegions()]);
    if (!alive(tok)) return;
    const secretSlot = h('div', { testid: 'user-secret-slot' });
    const box = msgBox({ testid: 'user-msg' });

    const roleChoices = me.role === 'admin' ? HUMAN_ROLES : ['owner_admin', 'owner_member'];
    const units = me.role === 'admin' ? state.units : state.units.filter((u) => u.id === me.unit_id);
    const username = input({ required: true, testid: 'user-username', autocomplete: 'off', spellcheck: 'false' });
    const display = input({ required: true, testid: 'user-display' });
    const role = select(roleChoices.map((r) => [r, roleTitle(r)]), { testid: 'user-role' });
    const unit = select(units.map((u) => [u.id, `${state.lang === 'en' ? u.name_en || u.name_zh : u.name_zh} · ${t('kind.' + u.kind)}`]), { testid: 'user-unit' });
    const form = h(
      'form',
      {
        class: 'form-grid',
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            const r = await api('POST', '/api/v1/users', { username: username.value.trim(), display_name: display.value.trim(), role: role.value, unit_id: unit.value });
            username.value = '';
            display.value = '';
            await refresh();
            clear(secretSlot).append(secretPanel('users.otpTitle', 'users.otpNote', [[r.user.username, r.one_time_password, 'one-time-password']]));
            showMsg(box, 'ok', t('users.created', { name: r.user.username }));
          } catch (err) {
            showError(box, err);
          }
        },
      },
      field('users.username', username, { required: true }),
      field('users.displayName', display, { required: true }),
      field('users.role', role),
      field('users.unit', unit),
      h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary', testid: 'user-submit' }, t('users.create'))),
    );
    main.append(card('users.createTitle', null, form, box, secretSlot));

    const listSlot = h('div');
    main.append(card('users.list', null, listSlot));
    const draw = (list) => {
      const rows = list.map((u) =>
        h(
          'tr',
          { testid: 'user-row', 'data-username': u.username },
          h('td', null, mono(u.username)),
          h('td', null, u.display_name),
          h('td', null, roleTitle(u.role)),
          h('td', null, unitName(u.unit_id)),
          h('td', null, u.totp_enabled ? t('common.yes') : t('common.no')),
          h('td', null, u.disabled ? h('span', { class: 'badge status-revoked' }, t('users.disabled')) : u.must_change_password ? h('span', { class: 'badge status-pending' }, t('users.mustChange')) : h('span', { class: 'badge status-approved' }, t('users.active'))),
          h('td', null, fmtTime(u.created_at)),
          h(
            'td',
            { class: 'actions' },
            u.id === me.id
              ? h('span', { class: 'muted' }, t('users.self'))
              : [
                  button(
                    u.disabled ? 'users.enable' : 'users.disable',
                    async () => {
                      try {
                        await api('POST', `/api/v1/users/${encodeURIComponent(u.id)}/disable`, { disabled: !u.disabled });
                        await refresh();
                      } catch (err) {
                        showError(box, err);
                      }
                    },
                    { class: 'small ' + (u.disabled ? '' : 'danger'), testid: 'user-toggle-' + u.username },
                  ),
                  button(
                    'users.reset',
                    async () => {
                      try {
                        const r = await api('POST', `/api/v1/users/${encodeURIComponent(u.id)}/reset`);
                        await refresh();
                        clear(secretSlot).append(secretPanel('users.otpTitle', 'users.resetNote', [[r.user.username, r.one_time_password, 'one-time-password']]));
                        secretSlot.scrollIntoView({ block: 'nearest' });
                      } catch (err) {
                        showError(box, err);
                      }
                    },
                    { class: 'small', testid: 'user-reset-' + u.username },
                  ),
                ],
          ),
        ),
      );
      clear(listSlot).append(table(['users.username', 'users.displayName', 'users.role', 'users.unit', 'users.totp', 'users.state', 'users.createdAt', 'review.actions'], rows, { class: 'data', testid: 'users-table' }));
    };
    const refresh = async () => {
      const list = await api('GET', '/api/v1/users');
      if (alive(tok)) draw(list);
    };
    draw(users);
  }

  async function viewUnits(main, params, query, tok) {
    main.append(pageTitle('nav.units'));
    await Promise.all([loadUnits(true), loadRegions()]);
    if (!alive(tok)) return;
    const box = msgBox({ testid: 'unit-msg' });
    const nameZh = input({ required: true, testid: 'unit-name-zh' });
    const nameEn = input({ testid: 'unit-name-en', lang: 'en' });
    const kind = select(UNIT_KINDS.map((k) => [k, t('kind.' + k)]), { testid: 'unit-kind' });
    const region = select(regionOptions(null), { testid: 'unit-region' });
    const listSlot = h('div');
    const draw = () => {
      const rows = state.units.map((u) =>
        h('tr', { testid: 'unit-row', 'data-unit-id': u.id }, h('td', null, u.name_zh), h('td', null, u.name_en || '—'), h('td', null, t('kind.' + u.kind)), h('td', null, regionName(u.region_code)), h('td', null, fmtTime(u.created_at)), h('td', null, mono(u.id, { class: 'mono small' }))),
      );
      clear(listSlot).append(table(['app.nameZh', 'app.nameEn', 'units.kind', 'app.region', 'users.createdAt', 'ID'], rows, { class: 'data', testid: 'units-table' }));
    };
    const form = h(
      'form',
      {
        class: 'form-grid',
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            const u = await api('POST', '/api/v1/units', { name_zh: nameZh.value.trim(), name_en: nameEn.value.trim(), kind: kind.value, region_code: region.value });
            nameZh.value = '';
            nameEn.value = '';
            await loadUnits(true);
            if (!alive(tok)) return;
            draw();
            showMsg(box, 'ok', t('units.created', { name: u.name_zh }));
          } catch (err) {
            showError(box, err);
          }
        },
      },
      field('app.nameZh', nameZh, { required: true }),
      field('app.nameEn', nameEn),
      field('units.kind', kind),
      field('app.region', region),
      h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary', testid: 'unit-submit' }, t('units.create'))),
    );
    main.append(card('units.createTitle', null, form, box), card('units.list', null, listSlot));
    draw();
  }

  async function viewKeys(main, params, query, tok) {
    main.append(pageTitle('nav.keys'), h('p', { class: 'muted' }, t('keys.intro')));
    const [keys] = await Promise.all([api('GET', '/api/v1/api-keys'), loadUnits(true)]);
    if (!alive(tok)) return;
    const box = msgBox({ testid: 'key-msg' });
    const secretSlot = h('div');
    const name = input({ required: true, testid: 'key-name' });
    // Keys are issued to monitoring-node units only (the server refuses others).
    const nodeUnits = state.units.filter((u) => u.kind === 'node');
    const unit = select(nodeUnits.map((u) => [u.id, state.lang === 'en' ? u.name_en || u.name_zh : u.name_zh]), { testid: 'key-unit' });
    const listSlot = h('div');
    const draw = (list) => {
      const rows = (list || []).map((k) =>
        h(
          'tr',
          { testid: 'key-row' },
          h('td', null, k.name),
          h('td', null, mono(k.prefix || k.id)),
          h('td', null, unitName(k.unit_id)),
          h('td', null, fmtTime(k.created_at)),
          h('td', null, fmtTime(k.last_used_at)),
          h('td', null, k.revoked_at ? h('span', { class: 'badge status-revoked' }, t('keys.revokedAt', { time: fmtTime(k.revoked_at) })) : h('span', { class: 'badge status-approved' }, t('keys.active'))),
          h(
            'td',
            null,
            k.revoked_at
              ? null
              : button(
                  'keys.revoke',
                  async () => {
                    try {
                      await api('POST', `/api/v1/api-keys/${encodeURIComponent(k.id)}/revoke`);
                      draw(await api('GET', '/api/v1/api-keys'));
                    } catch (err) {
                      showError(box, err);
                    }
                  },
                  { class: 'small danger', testid: 'key-revoke' },
                ),
          ),
        ),
      );
      clear(listSlot).append(table(['keys.name', 'keys.id', 'users.unit', 'users.createdAt', 'keys.lastUsed', 'users.state', ''], rows, { class: 'data', testid: 'keys-table' }));
    };
    const form = h(
      'form',
      {
        class: 'form-grid',
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            const r = await api('POST', '/api/v1/api-keys', { name: name.value.trim(), unit_id: unit.value });
            name.value = '';
            clear(secretSlot).append(secretPanel('keys.secretTitle', 'keys.secretNote', [[(r.key && r.key.name) || '', r.secret, 'api-key-secret']]));
            draw(await api('GET', '/api/v1/api-keys'));
          } catch (err) {
            showError(box, err);
          }
        },
      },
      field('keys.name', name, { required: true }),
      field('users.unit', unit, { hint: nodeUnits.length ? null : t('keys.noNodeUnit') }),
      h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary', testid: 'key-submit', disabled: !nodeUnits.length }, t('keys.create'))),
    );
    main.append(card('keys.createTitle', null, form, box, secretSlot), card('keys.list', null, listSlot));
    draw(keys);
  }

  // ---------------------------------------------------------------- account

  async function viewAccount(main, params, query, tok) {
    main.append(pageTitle('nav.account'));
    const s = await api('GET', '/api/v1/me');
    if (!alive(tok)) return;
    state.session = Object.assign({}, state.session, s);
    const u = s.user;
    await loadUnits();
    if (!alive(tok)) return;
    main.append(
      card(
        'account.profile',
        null,
        h(
          'dl',
          { class: 'facts' },
          [
            ['users.username', mono(u.username)],
            ['users.displayName', u.display_name],
            ['users.role', roleTitle(u.role)],
            ['users.unit', unitName(u.unit_id)],
            ['users.totp', u.totp_enabled ? t('common.yes') : t('common.no')],
            ['account.expires', fmtTime(s.expires_at)],
          ].map(([k, v]) => [h('dt', null, t(k)), h('dd', null, v)]),
        ),
      ),
    );
    const pwBox = h('div');
    pwBox.append(
      passwordChangeForm((ns, box) => {
        state.session = ns;
        showMsg(box, 'ok', t('account.pwChanged'));
      }),
    );
    main.append(card('auth.pwChange', null, pwBox));
    if (!u.totp_enabled) {
      const slot = h('div', { class: 'stack' });
      const start = button(
        'account.enrollStart',
        async () => {
          start.remove();
          try {
            await enrolmentPanel(slot, u.id, (ns) => {
              state.session = ns;
              clear(slot).append(h('p', { class: 'msg ok' }, t('account.enrolled')));
            });
          } catch (err) {
            const b = msgBox();
            slot.append(b);
            showError(b, err);
          }
        },
        { class: 'primary', testid: 'account-enroll' },
      );
      main.append(card('auth.enrollTitle', null, h('p', { class: 'muted' }, t('account.enrollIntro')), start, slot));
    }
  }

  // ---------------------------------------------------------------- boot

  async function boot() {
    let saved = null;
    try {
      saved = localStorage.getItem(LANG_KEY);
    } catch (e) {
      saved = null;
    }
    setLang(saved || 'zh');
    try {
      state.session = await api('GET', '/api/v1/me', undefined, { quiet: true });
    } catch (e) {
      state.session = null;
    }
    window.addEventListener('hashchange', render);
    if (!location.hash || location.hash === '#' || location.hash === '#/') location.replace(fullySignedIn() ? home() : '#/login');
    render();
  }

  // Exposed for the end-to-end tests and for debugging from the console; read-only helpers.
  window.MedShield = { t, get lang() { return state.lang; } };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
