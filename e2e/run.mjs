// End-to-end test of the MedShield web UI: starts `medshield serve` on a fresh data directory,
// drives headless Chromium through sign-in (one-time password change, TOTP enrolment), unit and
// user administration, registration from an APK, review and approval, the authorization code,
// an upload and its scan report, and the language switch. Exits non-zero on the first failure,
// with a screenshot of every open page in e2e/artifacts/.
//
//   MEDSHIELD_BIN        server binary (default ../target/debug/medshield, relative to e2e/)
//   MEDSHIELD_DEMO_APKS  directory with the demo packages; otherwise they are generated with
//                        the `demo_apks` example next to the binary (<bin dir>/examples/demo_apks)
//   CHROMIUM             browser executable (default /usr/bin/chromium)
//   E2E_HEADED=1         show the browser; E2E_SLOWMO=ms slows every action down

import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkI18n } from './check-i18n.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = join(HERE, 'artifacts');
const BIN = process.env.MEDSHIELD_BIN ? resolve(process.env.MEDSHIELD_BIN) : resolve(HERE, '../target/debug/medshield');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCAN_TIMEOUT_MS = Number(process.env.E2E_SCAN_TIMEOUT_MS || 240_000);
const PREFERRED_APK = 'cn.medshield.demo.consult.apk';

const results = [];
const pages = new Map(); // name -> Page, for failure screenshots
const pageErrors = [];
let server = null;
let browser = null;
let dataDir = null;

// ------------------------------------------------------------------ small helpers

function log(msg) {
  console.log(`[e2e] ${msg}`);
}

class Failure extends Error {}

function check(cond, msg) {
  if (!cond) throw new Failure(msg);
}

async function step(name, fn) {
  const t0 = Date.now();
  log(`▶ ${name}`);
  try {
    const out = await fn();
    results.push({ name, ok: true, ms: Date.now() - t0 });
    if (process.env.E2E_SCREENSHOTS) await screenshots(`ok-${results.length}-${name}`);
    log(`✔ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return out;
  } catch (err) {
    results.push({ name, ok: false, ms: Date.now() - t0, err });
    log(`✘ ${name}: ${err && err.message ? err.message.split('\n')[0] : err}`);
    await screenshots(name);
    throw err;
  }
}

async function screenshots(stepName) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const slug = stepName.replace(/[^\w-]+/g, '_').slice(0, 60);
  for (const [who, page] of pages) {
    if (page.isClosed()) continue;
    const file = join(ARTIFACTS, `${slug}-${who}.png`);
    try {
      await page.screenshot({ path: file, fullPage: true });
      log(`  screenshot: ${file} (${page.url()})`);
    } catch (e) {
      log(`  screenshot of ${who} failed: ${e.message}`);
    }
  }
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A password the server's policy accepts: 12+ characters, four classes, not common.
function newPassword() {
  return `Ms#${randomBytes(5).toString('hex')}Kq7!`;
}

// ------------------------------------------------------------------ TOTP (RFC 6238 / 4226)

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = String(s).toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of clean) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error(`bad base32 character ${c}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function hotp(key, counter) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

// The server refuses a second code for a step it has already accepted for the same user, so
// each user's last step is remembered and a fresh code waits for the next 30-s step. A code
// is also not used in the last 3 s of its step, so that it cannot expire in flight.
const lastStep = new Map();
async function totpCode(user, secret) {
  const key = base32Decode(secret);
  for (;;) {
    const now = Date.now() / 1000;
    const stepNo = Math.floor(now / 30);
    const left = 30 - (now % 30);
    if (stepNo > (lastStep.get(user) ?? -1) && left > 3) {
      lastStep.set(user, stepNo);
      return hotp(key, stepNo);
    }
    await sleep(Math.ceil(left * 1000) + 200);
  }
}

// ------------------------------------------------------------------ server

async function startServer() {
  check(existsSync(BIN), `server binary not found: ${BIN} (build it: cargo build -p medshield, or set MEDSHIELD_BIN)`);
  dataDir = mkdtempSync(join(tmpdir(), 'medshield-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  mkdirSync(ARTIFACTS, { recursive: true });
  const logFile = createWriteStream(join(ARTIFACTS, 'server.log'));
  log(`starting ${BIN} serve on ${base}, data in ${dataDir}`);
  server = spawn(BIN, ['serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`], {
    env: Object.assign({}, process.env, { MEDSHIELD_COOKIE_SECURE: 'false' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stderr.pipe(logFile);
  let exited = null;
  server.on('exit', (code, sig) => {
    exited = `server exited (code ${code}, signal ${sig})`;
  });
  const adminPassword = await new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Failure('no MEDSHIELD-INITIAL-ADMIN line on stdout within 60 s')), 60_000);
    server.stdout.on('data', (chunk) => {
      logFile.write(chunk);
      buf += chunk.toString('utf8');
      const m = buf.match(/^MEDSHIELD-INITIAL-ADMIN\s+(\S+)\s+(\S+)/m);
      if (m) {
        clearTimeout(timer);
        res({ username: m[1], password: m[2] });
      }
    });
    server.on('exit', () => {
      clearTimeout(timer);
      rej(new Failure(`${exited}; see ${join(ARTIFACTS, 'server.log')}`));
    });
  });
  // Keep draining stdout into the log.
  server.stdout.on('data', (chunk) => logFile.write(chunk));
  for (let i = 0; i < 100; i++) {
    if (exited) throw new Failure(exited);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) {
        const h = await r.json();
        check(h.status === 'ok', `healthz: ${JSON.stringify(h)}`);
        return { base, admin: adminPassword };
      }
    } catch (e) {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Failure('server did not answer /healthz within 20 s');
}

async function stopServer() {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    for (let i = 0; i < 50 && server.exitCode === null; i++) await sleep(100);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
}

// ------------------------------------------------------------------ demo packages

function demoApk() {
  let dir = process.env.MEDSHIELD_DEMO_APKS;
  if (!dir) {
    const gen = join(dirname(BIN), 'examples', 'demo_apks');
    const fallback = resolve(HERE, '../target/debug/examples/demo_apks');
    const exe = existsSync(gen) ? gen : fallback;
    check(existsSync(exe), `no demo packages: set MEDSHIELD_DEMO_APKS, or build the generator (cargo build -p medshield-apkgen --examples); looked for ${gen}`);
    dir = join(dataDir + '-apks');
    execFileSync(exe, [dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const apks = readdirSync(dir).filter((f) => f.endsWith('.apk')).sort();
  check(apks.length > 0, `no .apk files in ${dir}`);
  const name = apks.includes(PREFERRED_APK) ? PREFERRED_APK : apks[0];
  return { path: join(dir, name), package: basename(name, '.apk') };
}

// ------------------------------------------------------------------ browser helpers

async function newPage(name, viewport) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', acceptDownloads: false });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${name}: ${err.message}`));
  page.on('console', (msg) => {
    // Failed fetches (4xx the test provokes) are logged by Chromium as console errors; only
    // script errors and CSP violations matter here.
    if (msg.type() === 'error' && /Content Security Policy|Uncaught|TypeError|ReferenceError/.test(msg.text())) {
      pageErrors.push(`${name}: console: ${msg.text()}`);
    }
  });
  pages.set(name, page);
  return page;
}

const tid = (id) => `[data-testid="${id}"]`;

// Opens a route. The UI routes on the fragment, so going to the URL the page is already at
// changes nothing: reload then, to see fresh server state.
async function visit(page, url) {
  if (page.url() === url) await page.reload();
  else await page.goto(url);
}

async function title(page) {
  return (await page.locator(tid('page-title')).first().innerText()).trim();
}

async function selectByText(page, testid, text) {
  const value = await page.locator(tid(testid)).evaluate((sel, want) => {
    const opt = Array.from(sel.options).find((o) => o.textContent.includes(want));
    return opt ? opt.value : null;
  }, text);
  check(value !== null, `no option containing "${text}" in ${testid}`);
  await page.selectOption(tid(testid), value);
}

// Signs in from the login page and walks through whatever steps the server asks for:
// one-time password change, TOTP enrolment, TOTP code. Returns the new password and secret.
async function signIn(page, base, { username, password, totpSecret }) {
  await page.goto(`${base}/#/login`);
  await page.fill(tid('login-username'), username);
  await page.fill(tid('login-password'), password);
  await page.click(tid('login-submit'));
  let current = password;
  let secret = totpSecret || null;
  for (let i = 0; i < 6; i++) {
    const which = await Promise.race([
      page.waitForSelector(tid('pw-new'), { state: 'visible' }).then(() => 'password'),
      page.waitForSelector(tid('enroll-secret'), { state: 'visible' }).then(() => 'enroll'),
      page.waitForSelector(tid('totp-code'), { state: 'visible' }).then(() => 'totp'),
      page.waitForSelector(tid('nav-account'), { state: 'visible' }).then(() => 'done'),
      page.waitForSelector(`${tid('login-error')}.error`, { state: 'visible' }).then(() => 'error'),
    ]);
    if (which === 'done') return { password: current, secret };
    if (which === 'error') throw new Failure(`sign-in refused: ${await page.locator(tid('login-error')).innerText()}`);
    if (which === 'password') {
      const next = newPassword();
      await page.fill(tid('pw-current'), current);
      await page.fill(tid('pw-new'), next);
      await page.fill(tid('pw-confirm'), next);
      await page.click(tid('pw-submit'));
      await page.waitForFunction((sel) => !document.querySelector(sel) || document.querySelector('[data-testid="pw-error"].error'), tid('pw-new'));
      const err = await page.locator(`${tid('pw-error')}.error`).count();
      if (err) throw new Failure(`password change refused: ${await page.locator(tid('pw-error')).innerText()}`);
      current = next;
    } else if (which === 'enroll') {
      secret = await page.locator(tid('enroll-secret')).getAttribute('data-secret');
      const uri = await page.locator(tid('enroll-uri')).innerText();
      check(/^[A-Z2-7]+=*$/.test(secret || ''), `enrolment secret is not base32: ${secret}`);
      check(uri.startsWith('otpauth://totp/') && uri.includes(`secret=${secret}`), `otpauth URI does not carry the secret: ${uri}`);
      await page.fill(tid('enroll-code'), await totpCode(username, secret));
      await page.click(tid('enroll-submit'));
      await page.waitForFunction(() => !document.querySelector('[data-testid="enroll-code"]') || document.querySelector('[data-testid="enroll-error"].error'));
      if (await page.locator(`${tid('enroll-error')}.error`).count()) throw new Failure(`TOTP enrolment refused: ${await page.locator(tid('enroll-error')).innerText()}`);
    } else if (which === 'totp') {
      check(secret, 'server asks for a TOTP code but no secret is known');
      await page.fill(tid('totp-code'), await totpCode(username, secret));
      await page.click(tid('totp-submit'));
      await page.waitForFunction(() => !document.querySelector('[data-testid="totp-code"]') || document.querySelector('[data-testid="totp-error"].error'));
      if (await page.locator(`${tid('totp-error')}.error`).count()) throw new Failure(`TOTP code refused: ${await page.locator(tid('totp-error')).innerText()}`);
    }
  }
  throw new Failure('sign-in did not finish after 6 steps');
}

async function createUnit(page, base, { nameZh, nameEn, kind, region }) {
  await visit(page, `${base}/#/admin/units`);
  await page.fill(tid('unit-name-zh'), nameZh);
  await page.fill(tid('unit-name-en'), nameEn);
  await page.selectOption(tid('unit-kind'), kind);
  await page.selectOption(tid('unit-region'), region);
  await page.click(tid('unit-submit'));
  await page.locator(tid('unit-row'), { hasText: nameZh }).first().waitFor();
  check((await page.locator(`${tid('unit-msg')}.ok`).count()) === 1, 'no confirmation after creating the unit');
}

async function createUser(page, base, { username, display, role, unitText }) {
  await visit(page, `${base}/#/admin/users`);
  await page.fill(tid('user-username'), username);
  await page.fill(tid('user-display'), display);
  await page.selectOption(tid('user-role'), role);
  await selectByText(page, 'user-unit', unitText);
  await page.click(tid('user-submit'));
  // The panel names the user: a panel left from the previous user must not be read.
  const panel = page.locator(tid('user-secret-slot'), { hasText: username });
  await Promise.race([
    panel.locator(tid('one-time-password')).waitFor(),
    page.waitForSelector(`${tid('user-msg')}.error`).then(async () => {
      throw new Failure(`user ${username} not created: ${await page.locator(tid('user-msg')).innerText()}`);
    }),
  ]);
  const otp = (await panel.locator(tid('one-time-password')).innerText()).trim();
  check(otp.length >= 12, `one-time password too short: "${otp}"`);
  await page.locator(tid('user-row'), { hasText: username }).first().waitFor();
  return otp;
}

// ------------------------------------------------------------------ the scenario

async function main() {
  await step('i18n dictionaries complete (zh and en)', async () => {
    const r = checkI18n();
    check(r.problems.length === 0, r.problems.join('; '));
  });

  const { base, admin } = await step('server starts and prints the initial admin', startServer);
  check(admin.username === 'admin', `initial admin is "${admin.username}"`);
  const apk = await step('demo packages available', async () => demoApk());
  log(`package under test: ${apk.path}`);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox'],
    headless: !process.env.E2E_HEADED,
    slowMo: Number(process.env.E2E_SLOWMO || 0),
  });

  // (a) administrator
  const adminPage = await newPage('admin', { width: 1280, height: 900 });
  await step('(a) admin signs in: one-time password change, TOTP enrolment', async () => {
    await signIn(adminPage, base, { username: admin.username, password: admin.password });
  });
  await step('(a) dashboard shows charts', async () => {
    await adminPage.waitForURL(/#\/dashboard$/);
    check((await title(adminPage)) === '监管总览', `dashboard heading is "${await title(adminPage)}"`);
    await adminPage.locator(`${tid('chart-grade')} canvas`).waitFor();
    await adminPage.locator(`${tid('chart-region')} canvas`).waitFor();
    await adminPage.locator(tid('status-counts')).waitFor();
    check((await adminPage.locator('html').getAttribute('lang')) === 'zh-CN', 'html lang is not zh-CN by default');
  });
  const regulatorUnit = '广东省卫生健康委员会';
  const ownerUnit = '广州市仁心医院';
  const nodeUnit = '广州市互联网医疗监测节点';
  await step('(a) admin creates a regulator unit (440000), an owner unit and a node unit (440100)', async () => {
    await createUnit(adminPage, base, { nameZh: regulatorUnit, nameEn: 'Health Commission of Guangdong Province', kind: 'regulator', region: '440000' });
    await createUnit(adminPage, base, { nameZh: ownerUnit, nameEn: 'Guangzhou Renxin Hospital', kind: 'owner', region: '440100' });
    await createUnit(adminPage, base, { nameZh: nodeUnit, nameEn: 'Guangzhou monitoring node', kind: 'node', region: '440100' });
  });
  const reviewer = { username: 'reviewer1' };
  const owner = { username: 'hospital1' };
  const auditor = { username: 'auditor1' };
  await step('(a) admin creates a reviewer, an owner administrator and an auditor', async () => {
    reviewer.password = await createUser(adminPage, base, { username: reviewer.username, display: '李审核', role: 'reviewer', unitText: regulatorUnit });
    owner.password = await createUser(adminPage, base, { username: owner.username, display: '王运营', role: 'owner_admin', unitText: ownerUnit });
    auditor.password = await createUser(adminPage, base, { username: auditor.username, display: '赵审计', role: 'auditor', unitText: regulatorUnit });
  });
  await step('(a) admin creates an API key (secret shown once) and revokes it', async () => {
    await visit(adminPage, `${base}/#/admin/keys`);
    await adminPage.fill(tid('key-name'), '广州监测节点');
    await selectByText(adminPage, 'key-unit', nodeUnit);
    await adminPage.click(tid('key-submit'));
    await Promise.race([
      adminPage.locator(tid('api-key-secret')).waitFor(),
      adminPage.waitForSelector(`${tid('key-msg')}.error`).then(async () => {
        throw new Failure(`API key not created: ${await adminPage.locator(tid('key-msg')).innerText()}`);
      }),
    ]);
    const secret = (await adminPage.locator(tid('api-key-secret')).innerText()).trim();
    check(secret.startsWith('msk_'), `API key secret looks wrong: ${secret.slice(0, 8)}…`);
    const row = adminPage.locator(tid('key-row'), { hasText: '广州监测节点' });
    await row.waitFor();
    await row.locator(tid('key-revoke')).click();
    await row.locator('.status-revoked').waitFor();
    const r = await fetch(`${base}/api/v1/dashboard`, { headers: { Authorization: `Bearer ${secret}` } });
    check(r.status === 401, `a revoked API key still answers HTTP ${r.status}`);
  });

  // (b) registration -> approval -> authorization code
  const ownerPage = await newPage('owner', { width: 1280, height: 900 });
  await step('(b) owner signs in and changes the one-time password', async () => {
    const r = await signIn(ownerPage, base, owner);
    owner.password = r.password;
    check(r.secret === null, 'owner was asked for TOTP');
  });
  let appId = null;
  await step('(b) owner registers the app from its APK', async () => {
    await visit(ownerPage, `${base}/#/register`);
    await ownerPage.setInputFiles(tid('apk-file'), apk.path);
    await ownerPage.waitForSelector(`${tid('apk-read-status')}.ok, ${tid('apk-read-status')}.warn, ${tid('apk-read-status')}.error`);
    const status = ownerPage.locator(tid('apk-read-status'));
    check(!(await status.getAttribute('class')).includes('error'), `reading the APK failed: ${await status.innerText()}`);
    const pkg = await ownerPage.inputValue(tid('reg-package'));
    check(pkg === apk.package, `package prefilled as "${pkg}", expected ${apk.package}`);
    const version = await ownerPage.inputValue(tid('reg-version'));
    check(/^\d+\.\d+$/.test(version), `version prefilled as "${version}"`);
    const cert = await ownerPage.inputValue(tid('reg-cert'));
    check(/^[0-9a-fA-F:]{64,95}$/.test(cert), `certificate prefilled as "${cert}"`);
    check((await ownerPage.inputValue(tid('reg-name-zh'))).length > 0, 'Chinese name not prefilled');
    if (!(await ownerPage.inputValue(tid('reg-name-en')))) await ownerPage.fill(tid('reg-name-en'), 'Quick Doctor');
    await ownerPage.fill(tid('reg-channels'), '华为应用市场，应用宝');
    await ownerPage.fill(`${tid('contact-name')} >> nth=0`, '张三');
    await ownerPage.fill(`${tid('contact-phone')} >> nth=0`, '13800138000');
    await ownerPage.fill(`${tid('contact-email')} >> nth=0`, 'zhangsan@example.cn');
    await ownerPage.click(tid('contact-add'));
    check((await ownerPage.locator(tid('contact-edit-row')).count()) === 2, 'adding a contact row did not work');
    await ownerPage.fill(`${tid('contact-name')} >> nth=1`, '李四');
    await ownerPage.fill(`${tid('contact-phone')} >> nth=1`, '13900139000');
    await ownerPage.fill(`${tid('contact-email')} >> nth=1`, 'lisi@example.cn');
    await ownerPage.click(tid('reg-submit'));
    await Promise.race([
      ownerPage.waitForURL(/#\/apps\/[^/?]+$/),
      ownerPage.waitForSelector(`${tid('reg-msg')}.error`).then(async () => {
        throw new Failure(`registration refused: ${await ownerPage.locator(tid('reg-msg')).innerText()}`);
      }),
    ]);
    appId = decodeURIComponent(ownerPage.url().split('#/apps/')[1]);
    await ownerPage.locator(tid('app-status')).waitFor();
    const st = (await ownerPage.locator(tid('app-status')).innerText()).trim();
    check(st === '待审核', `new registration status is "${st}"`);
    check((await ownerPage.locator(tid('contact-row')).count()) === 2, 'app detail does not list two contacts');
    const phone = await ownerPage.locator(tid('contact-row')).first().innerText();
    check(!phone.includes('13800138000'), 'contact phone is shown unmasked before 查看');
  });
  await step('(b) owner unmasks a contact (audited)', async () => {
    await ownerPage.locator(tid('contact-row')).first().locator('button').click();
    await ownerPage.locator(tid('contact-row'), { hasText: '13800138000' }).waitFor();
  });

  const reviewerPage = await newPage('reviewer', { width: 800, height: 900 });
  await step('(b) reviewer signs in with TOTP enrolment (800 px wide)', async () => {
    const r = await signIn(reviewerPage, base, reviewer);
    reviewer.password = r.password;
    reviewer.secret = r.secret;
    check(reviewer.secret, 'reviewer was not asked to enrol TOTP');
    const overflow = await reviewerPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `page is ${overflow}px wider than the 800px window`);
  });
  let token = null;
  await step('(b) reviewer approves in the review queue; the app shows an MSAC1 code', async () => {
    await reviewerPage.click(tid('nav-reviews'));
    const row = reviewerPage.locator(`${tid('review-row')}[data-app-id="${appId}"]`);
    await row.waitFor();
    await row.locator(tid(`approve-${appId}`)).click();
    await row.waitFor({ state: 'detached' });
    await visit(reviewerPage, `${base}/#/apps/${encodeURIComponent(appId)}`);
    await reviewerPage.locator(tid('authcode-token')).first().waitFor();
    token = (await reviewerPage.locator(tid('authcode-token')).first().innerText()).trim();
    check(token.startsWith('MSAC1.'), `authorization code does not start with MSAC1.: ${token.slice(0, 20)}`);
    const st = (await reviewerPage.locator(tid('app-status')).innerText()).trim();
    check(st === '已备案', `status after approval is "${st}"`);
    const overflow = await reviewerPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `app page is ${overflow}px wider than the 800px window`);
  });
  await step('(b) POST /api/v1/authcodes/verify says the code is valid', async () => {
    const r = await fetch(`${base}/api/v1/authcodes/verify`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) });
    check(r.ok, `verify answered HTTP ${r.status}`);
    const v = await r.json();
    check(v.valid === true && v.revoked === false, `verify: ${JSON.stringify(v)}`);
  });

  // (c) upload -> report
  await step('(c) owner uploads the APK and the scan finishes', async () => {
    await visit(ownerPage, `${base}/#/apps/${encodeURIComponent(appId)}`);
    await ownerPage.locator(tid('authcode-token')).first().waitFor();
    await ownerPage.setInputFiles(tid('scan-file'), apk.path);
    await ownerPage.click(tid('scan-upload'));
    await Promise.race([
      ownerPage.locator(tid('upload-report-link')).waitFor({ timeout: SCAN_TIMEOUT_MS }),
      ownerPage.waitForSelector(`${tid('upload-status')}.error`, { timeout: SCAN_TIMEOUT_MS }).then(async () => {
        throw new Failure(`upload/scan failed: ${await ownerPage.locator(tid('upload-status')).innerText()}`);
      }),
    ]);
  });
  await step('(c) report shows grade, findings and the breakdown chart', async () => {
    await ownerPage.click(tid('upload-report-link'));
    await ownerPage.waitForURL(/#\/scans\//);
    const grade = (await ownerPage.locator(tid('grade-badge')).innerText({ timeout: 30_000 })).trim();
    check(['A', 'B', 'C'].includes(grade), `grade badge shows "${grade}"`);
    const score = Number((await ownerPage.locator(tid('score-value')).innerText()).trim());
    check(Number.isFinite(score) && score >= 0 && score <= 100, `score is ${score}`);
    const rows = await ownerPage.locator(tid('finding-row')).count();
    check(rows >= 1, 'findings table has no rows');
    await ownerPage.locator(`${tid('breakdown-chart')} canvas`).waitFor();
    check((await title(ownerPage)).startsWith('检测报告'), `report heading is "${await title(ownerPage)}"`);
    // A finding's details expand.
    await ownerPage.locator(tid('finding-toggle')).first().click();
    await ownerPage.locator('tr.finding-detail:not([hidden])').first().waitFor();
    log(`  grade ${grade}, score ${score}, ${rows} findings`);
  });
  await step('language switch to English changes the heading and persists', async () => {
    await ownerPage.click(tid('lang-toggle'));
    await ownerPage.waitForFunction(() => document.documentElement.lang === 'en');
    const heading = await title(ownerPage);
    check(heading.startsWith('Scan report'), `heading after switching is "${heading}"`);
    await ownerPage.reload();
    await ownerPage.locator(tid('page-title')).waitFor();
    check((await title(ownerPage)).startsWith('Scan report'), 'English choice did not survive a reload');
    const nav = (await ownerPage.locator(tid('nav-apps')).innerText()).trim();
    check(nav === 'App catalogue', `navigation not translated: "${nav}"`);
    await ownerPage.click(tid('lang-toggle'));
    await ownerPage.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    check((await title(ownerPage)).startsWith('检测报告'), 'switching back to Chinese failed');
  });
  await step('app list and dashboard reflect the scanned, approved app', async () => {
    await visit(ownerPage, `${base}/#/apps`);
    const row = ownerPage.locator(`${tid('app-row')}[data-app-id="${appId}"]`);
    await row.waitFor();
    const text = await row.innerText();
    check(text.includes('已备案'), `app row does not say 已备案: ${text}`);
    await visit(adminPage, `${base}/#/dashboard`);
    await adminPage.locator(`${tid('chart-grade')} canvas`).waitFor();
    const total = (await adminPage.locator(tid('total-apps')).innerText()).trim();
    check(total === '1', `dashboard counts ${total} apps`);
    await adminPage.locator(tid('scan-row')).first().waitFor();
  });

  const auditorPage = await newPage('auditor', { width: 1280, height: 900 });
  await step('(d) auditor signs in, reads and filters the audit log, verifies the chain', async () => {
    await signIn(auditorPage, base, auditor);
    await auditorPage.waitForURL(/#\/audit/);
    await auditorPage.locator(tid('audit-row')).first().waitFor();
    await auditorPage.fill(tid('audit-action'), 'app.');
    await auditorPage.click(tid('audit-filter'));
    await auditorPage.waitForURL(/action=app\./);
    await auditorPage.locator(tid('audit-row')).first().waitFor();
    const actions = await auditorPage.locator(`${tid('audit-row')} td:nth-child(5)`).allInnerTexts();
    check(actions.length > 0 && actions.every((a) => a.trim().startsWith('app.')), `filtered actions: ${actions.join(', ')}`);
    const href = await auditorPage.locator(tid('audit-export')).getAttribute('href');
    check(href === '/api/v1/audit/export?action=app.', `export link is ${href}`);
    await auditorPage.click(tid('audit-verify'));
    await auditorPage.locator(tid('verify-ok')).waitFor();
  });

  check(pageErrors.length === 0, `script errors in the pages:\n  ${pageErrors.join('\n  ')}`);
}

// ------------------------------------------------------------------ run

let failed = false;
try {
  await main();
} catch (err) {
  failed = true;
  if (!(err instanceof Failure)) console.error(err);
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopServer();
}
if (pageErrors.length) {
  failed = true;
  log('script errors seen in the pages:');
  for (const e of pageErrors) log('  ' + e);
}
console.log('\n──────── MedShield e2e summary ────────');
for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}  (${(r.ms / 1000).toFixed(1)} s)${r.ok ? '' : '\n      ' + (r.err && r.err.message)}`);
const passed = results.filter((r) => r.ok).length;
console.log(`${passed}/${results.length} steps passed${failed ? ' — FAILED' : ''}`);
if (failed) {
  console.log(`artifacts: ${ARTIFACTS} (screenshots, server.log); data dir kept: ${dataDir}`);
  process.exit(1);
}
if (dataDir) {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(dataDir + '-apks', { recursive: true, force: true });
}
process.exit(0);
