// play.js opens a page in headless Chromium and waits until its <video>
// has played a few seconds; it prints what the page saw as JSON.
// Usage: node play.js URL [seconds]
const { chromium } = require('playwright-core');

(async () => {
  const url = process.argv[2];
  const want = Number(process.argv[3] || 3);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
  let result = { ok: false };
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.error('page:', m.text()));
    await page.goto(url);
    await page.waitForFunction((s) => {
      const v = document.querySelector('video');
      return (v && v.currentTime >= s) || window.playError;
    }, want, { timeout: 30000 });
    result = await page.evaluate(() => {
      const v = document.querySelector('video');
      return { ok: !window.playError, error: window.playError || '', currentTime: v.currentTime,
        width: v.videoWidth, height: v.videoHeight };
    });
  } catch (e) {
    result.error = String(e);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
})();
