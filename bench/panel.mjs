// bench/panel.mjs - the dashboard's first render, in headless chromium
// (bench/panel starts the master and runs this).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/browser/', import.meta.url));
const { chromium } = require('playwright-core');
const { PANEL_URL, ADMINPW } = process.env;
const ROUNDS = Number(process.env.ROUNDS || 5);
const NODES = Number(process.env.NODES);
const USERS = Number(process.env.USERS);

function median(a) {
	const s = [...a].sort((x, y) => x - y);
	return s[Math.floor(s.length / 2)];
}

const users = { elem: Array.from({ length: USERS }, (_, i) => ({
    name: 'user' + i, fullname: 'User ' + i, level: 'user', active: 'on',
    uid: String(2000 + i), quota_used: '12', limit_quota: '1000',
    webdomains: '3', domains: '1', emaildomains: '1', emails: '4' })) };

const browser = await chromium.launch({ executablePath:
    process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const ctx = await browser.newContext({ ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 800 } });
// the user list: answered here, the rest by the master
await ctx.route('**/ispmgr', async (route) => {
	const body = route.request().postData() || '';
	if (new URLSearchParams(body).get('func') === 'user')
		return route.fulfill({ contentType: 'application/json',
		    body: JSON.stringify(users) });
	return route.continue();
});
const login = await ctx.newPage();
await login.goto(PANEL_URL);
await login.fill('#login-user', 'admin');
await login.fill('#login-pass', ADMINPW);
await login.click('#login button[type=submit]');
await login.waitForSelector('#nodes', { timeout: 60000 });
await login.close();

const first = [];
for (let r = 0; r < ROUNDS; r++) {
	const p = await ctx.newPage();
	await p.goto(PANEL_URL);
	// every frame until the table holds every node (the page's CSP
	// forbids the string evaluation of waitForFunction)
	const t = await p.evaluate((n) => new Promise((resolve) => {
		const look = () => {
			if (document.querySelectorAll('#nodes tbody tr').length !==
			    n)
				return requestAnimationFrame(look);
			resolve({ now: performance.now() });
		};
		look();
	}), NODES);
	const shown = await p.evaluate(() => document.querySelector(
	    '.summary').textContent);
	if (!shown.includes(String(USERS)))
		throw new Error('the dashboard does not count the users: ' +
		    shown);
	first.push(t.now);
	await p.close();
}
console.log(`bench/panel: dashboard of ${NODES} nodes and ${USERS} users, ` +
    `from navigation to every row shown: median ${median(first).toFixed(0)} ms ` +
    `(${first.map((x) => x.toFixed(0)).join(', ')}; goal 1000 ms)`);
await browser.close();
