// bench-peers.mjs — the login journey (journeys/examples/login.yaml) in
// Playwright, as a QA team would write it with a screenshot per step and
// video on, over the same 6 cells (3 languages x 2 devices, 2 at a time)
// that `journeyproof run --parallel 2` runs. scripts/bench-peers runs it
// against the sandbox and times it beside journeyproof.
//
// Usage: node bench-peers.mjs PLAYWRIGHT_DIR BASE_URL OUT_DIR CHROMIUM
//
// Each step does what the journey's step does in journeyproof's runner:
//   open-login  goto /login?lang=L (waits for the load event)
//   trigger     screenshot first (the trigger's screen), then click
//               #iamsmart-login and wait for the page it leads to to load
//   authorise   wait until body[data-iamsmart-request] is visible
//   approve     read <meta name="iamsmart-phone">, POST .../approve to the
//               simulator's phone side, wait until the URL changes and loads
//   logged-in   wait until #welcome is visible and the URL is /account
// and takes a viewport screenshot (PNG, at the device's scale) after it.
import {createRequire} from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [pwDir, baseURL, outDir, chromium] = process.argv.slice(2);
const {chromium: pw} = createRequire(path.join(pwDir, 'node_modules') + '/')('playwright-core');

// device.go and language.go (package journeyproof), as journeyproof emulates them.
const devices = {
	desktop: {viewport: {width: 1366, height: 768}, deviceScaleFactor: 1},
	mobile: {
		viewport: {width: 390, height: 844}, deviceScaleFactor: 3, isMobile: true, hasTouch: true,
		userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
	},
};
const locales = {en: 'en-HK', 'zh-HK': 'zh-HK', 'zh-CN': 'zh-CN'};
const cells = [];
for (const lang of ['en', 'zh-HK', 'zh-CN']) for (const device of ['desktop', 'mobile']) cells.push({lang, device});

async function runCell(browser, {lang, device}) {
	const dir = path.join(outDir, `${lang}-${device}`);
	fs.mkdirSync(dir, {recursive: true});
	const d = devices[device];
	const context = await browser.newContext({
		...d, locale: locales[lang], timezoneId: 'Asia/Hong_Kong',
		recordVideo: {dir, size: d.viewport},
	});
	const page = await context.newPage();
	const shot = (n) => page.screenshot({path: path.join(dir, `step-${n}.png`)});
	// open-login
	await page.goto(`${baseURL}/login?lang=${lang}`);
	await shot(1);
	// trigger: the screen on which iAM Smart is triggered, then the click
	await shot(2);
	await page.click('#iamsmart-login');
	await page.waitForLoadState('load');
	// authorise
	await page.locator('body[data-iamsmart-request]').waitFor({state: 'visible'});
	await shot(3);
	// approve, on the simulator's phone side
	const start = page.url();
	const phone = await page.locator('meta[name="iamsmart-phone"]').getAttribute('content');
	const res = await fetch(phone.replace(/\/+$/, '') + '/approve', {method: 'POST'});
	if (res.status >= 300) throw new Error(`phone side answered ${res.status}`);
	await page.waitForURL((u) => u.href !== start, {waitUntil: 'load'});
	await shot(4);
	// logged-in
	await page.locator('#welcome').waitFor({state: 'visible'});
	await page.waitForURL((u) => u.pathname === '/account');
	await shot(5);
	await context.close(); // finishes the video
}

const t0 = performance.now();
const browser = await pw.launch({executablePath: chromium, headless: true, chromiumSandbox: false});
const queue = [...cells];
await Promise.all([0, 1].map(async () => {
	for (let cell; (cell = queue.shift());) await runCell(browser, cell);
}));
await browser.close();
const videos = fs.readdirSync(outDir, {recursive: true}).filter((f) => f.endsWith('.webm')).length;
const shots = fs.readdirSync(outDir, {recursive: true}).filter((f) => f.endsWith('.png')).length;
console.log(JSON.stringify({seconds: (performance.now() - t0) / 1000, cells: cells.length, videos, screenshots: shots}));
