// console.js drives cascade's web console in headless Chromium for
// server/console_browser_test.go. It talks to the Go test by lines: it
// prints one JSON object per step on stdout and, where the test must act
// (publish a stream, start a player), waits for a line on stdin.
// Usage: node console.js BASE_URL ARTIFACT_DIR USER PASS
const path = require('path');
const readline = require('readline');
const { chromium } = require('playwright-core');

const [base, artifacts, user, pass] = process.argv.slice(2);
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (o) => console.log(JSON.stringify(o));
async function hear() {
  const { value, done } = await lines.next();
  if (done) throw new Error('the test closed stdin');
  return value.trim();
}

const errors = [];
function watch(page, name) {
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(name + ': ' + m.text());
    else console.error(name + ':', m.text());
  });
  page.on('pageerror', (e) => errors.push(name + ': ' + String(e)));
  // Count the login prompts: the console must ask once.
  return page.addInitScript(() => {
    const show = HTMLDialogElement.prototype.showModal;
    HTMLDialogElement.prototype.showModal = function () {
      window.loginPrompts = (Number(sessionStorage.getItem('prompts')) || 0) + 1;
      sessionStorage.setItem('prompts', String(window.loginPrompts));
      return show.call(this);
    };
  });
}

// played waits until the page's video has played `secs` seconds (after
// `from`) and returns what the video and the stats bar show.
async function played(page, sel, from, secs) {
  await page.waitForFunction(([sel, t]) => {
    const v = document.querySelector(sel);
    return (v && v.currentTime >= t && v.videoWidth > 0) || window.playError;
  }, [sel, from + secs], { timeout: 30000 });
  return page.evaluate((sel) => {
    const v = document.querySelector(sel);
    const stat = (k) => { const e = document.querySelector('[data-stat="' + k + '"]'); return e ? e.textContent : ''; };
    return { error: window.playError || '', currentTime: v.currentTime, width: v.videoWidth, height: v.videoHeight,
      latency: stat('latency'), buffer: stat('buffer') };
  }, sel);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await watch(page, 'console');

    // 1. "/" leads to the console, which asks for the API's credentials once.
    await page.goto(base + '/');
    await page.waitForSelector('#login[open]', { timeout: 10000 });
    await page.fill('#login input[name=user]', user);
    await page.fill('#login input[name=pass]', pass);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('[data-card=version] .value', { timeout: 10000 });
    // Two polls give the bandwidth a rate.
    await page.waitForFunction(() => /bps/.test(document.querySelector('[data-card=recv] .value').textContent), null, { timeout: 10000 });
    say({ step: 'dashboard', url: page.url(), version: await page.textContent('[data-card=version] .value'),
      uptime: await page.textContent('[data-card=uptime] .value') });

    // 2. The streams view lists a stream within 3 s of its publish.
    await page.goto(base + '/console/#/streams');
    await page.waitForSelector('h1');
    say({ step: 'ready' });
    const stream = await hear();
    const t0 = Date.now();
    const row = `tr[data-stream="/live/${stream}"]`;
    await page.waitForSelector(row, { timeout: 3000 });
    say({ step: 'listed', ms: Date.now() - t0 });
    // Wait for the codecs to be known before the screenshot.
    await page.waitForFunction((r) => /1280×720/.test(document.querySelector(r).textContent), row, { timeout: 10000 });
    // The snapshot thumbnail (the vhost has snapshots on).
    await page.waitForFunction((r) => { const i = document.querySelector(r + ' img.thumb'); return i && i.complete && i.naturalWidth > 0; }, row, { timeout: 5000 });
    await page.screenshot({ path: path.join(artifacts, 'streams.png') });
    say({ step: 'row', text: await page.textContent(row), thumb: await page.$eval(row + ' img.thumb', (i) => i.naturalWidth) });

    // 3. The stream page plays HTTP-FLV, then HLS.
    await page.click(row + ' a.button');
    await page.waitForSelector('#preview');
    const flv = await played(page, '#preview', 0, 3);
    // The 30 s rate meters are fed every 5 s: wait for the first rates.
    await page.waitForFunction(() => /in [1-9][0-9.]* (kbps|Mbps)/.test(document.querySelector('.facts').textContent), null, { timeout: 15000 });
    await page.screenshot({ path: path.join(artifacts, 'stream.png') });
    const urls = await page.$$eval('.urls li', (lis) => lis.map((li) => ({ proto: li.dataset.proto, url: li.querySelector('input').value })));
    await page.click('.toggle button[data-proto=HLS]');
    await page.waitForFunction(() => document.querySelector('#preview').currentTime < 1, null, { timeout: 10000 });
    const hls = await played(page, '#preview', 0, 3);
    say({ step: 'played', flv, hls, urls });

    // 4. The player page plays a linked URL.
    const player = await ctx.newPage();
    await watch(player, 'players');
    const flvURL = urls.find((u) => u.proto === 'HTTP-FLV').url;
    await player.goto(base + '/players/?url=' + encodeURIComponent(flvURL));
    const linked = await played(player, '#video', 0, 3);
    await player.screenshot({ path: path.join(artifacts, 'player.png') });
    const hlsURL = urls.find((u) => u.proto === 'HLS').url;
    await player.goto(base + '/players/?url=' + encodeURIComponent(hlsURL));
    const linkedHLS = await played(player, '#video', 0, 3);
    await player.close();
    say({ step: 'player', linked, linkedHLS });

    // 5. Phone width.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(base + '/console/#/streams');
    await page.waitForSelector(row);
    await page.screenshot({ path: path.join(artifacts, 'streams-phone.png'), fullPage: true });
    // No view is wider than the phone.
    let overflow = 0;
    const streamHref = await page.getAttribute(row + ' a.button', 'href');
    for (const [hash, sel] of [['#/streams', row], ['#/dashboard', '[data-card=version] .value'], [streamHref, '.facts'],
      ['#/clients', 'tr[data-id]'], ['#/vhosts', 'tr[data-vhost]']]) {
      await page.goto(base + '/console/' + hash);
      await page.waitForSelector(sel);
      overflow = Math.max(overflow, await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth));
    }
    await page.screenshot({ path: path.join(artifacts, 'vhosts-phone.png'), fullPage: true });
    await page.goto(base + '/console/#/streams');
    await page.setViewportSize({ width: 1280, height: 800 });
    say({ step: 'phone', overflow });

    // 6. Kicking a client from the page: the test names the client.
    await page.goto(base + '/console/#/clients');
    await page.waitForSelector('tr[data-type="fmle-publish"]');
    await page.screenshot({ path: path.join(artifacts, 'clients.png') });
    say({ step: 'kick-ready' });
    const id = await hear();
    await page.click(`tr[data-id="${id}"] button.kick`, { timeout: 5000 });
    await page.waitForFunction((id) => document.querySelector(`tr[data-id="${id}"]`) === null ||
      /Kicked/.test(document.querySelector(`tr[data-id="${id}"] button.kick`).textContent), id, { timeout: 5000 });
    say({ step: 'kicked' });

    // 7. Reload from the vhosts view.
    await page.goto(base + '/console/#/vhosts');
    await page.waitForSelector('tr[data-vhost]');
    await page.screenshot({ path: path.join(artifacts, 'vhosts.png') });
    await page.click('#reload');
    await page.waitForFunction(() => /reloaded/.test(document.querySelector('#reload-result').textContent), null, { timeout: 5000 });
    await page.goto(base + '/console/#/dashboard');
    await page.waitForSelector('[data-card=version] .value');
    await page.waitForFunction(() => /bps/.test(document.querySelector('[data-card=recv] .value').textContent), null, { timeout: 10000 });
    await page.screenshot({ path: path.join(artifacts, 'dashboard.png') });
    // The charts kept sampling while other views were on screen.
    const chartPoints = await page.$eval('.chart polyline', (l) => l.getAttribute('points').split(' ').length);
    const prompts = await page.evaluate(() => Number(sessionStorage.getItem('prompts')) || 0);
    say({ step: 'done', prompts, chartPoints, errors });
  } catch (e) {
    say({ step: 'failed', error: String(e), errors });
  } finally {
    await browser.close();
  }
  process.exit(0);
})();
