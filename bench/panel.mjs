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

const first = [], all = [];
for (let r = 0; r < ROUNDS; r++) {
	const p = await ctx.newPage();
	await p.goto(PANEL_URL);
	// every frame until the table holds every node (the page's CSP
	// forbids the string evaluation of waitForFunction)
	const t = await p.evaluate(([n, u]) => new Promise((resolve) => {
		let rows = 0;
		const look = () => {
			if (!rows && document.querySelectorAll('#nodes tbody tr')
			    .length === n)
				rows = performance.now();
			const c = document.getElementById('user-count');
			if (!rows || !c || !c.textContent.includes(String(u)))
				return requestAnimationFrame(look);
			resolve({ now: rows, all: performance.now(), calls:
			    performance.getEntriesByType('resource').filter((e) =>
			    e.name.endsWith('/ispmgr')).map((e) =>
			    [Math.round(e.startTime), Math.round(e.responseEnd)]) });
		};
		look();
	}), [NODES, USERS]);
	first.push(t.now);
	all.push(t.all);
	if (process.env.TRACE)
		console.log(Math.round(t.now), Math.round(t.all),
		    JSON.stringify(t.calls));
	await p.close();
}
const list = (a) => a.map((x) => x.toFixed(0)).join(', ');
console.log(`bench/panel: dashboard of ${NODES} nodes and ${USERS} users, ` +
    `from navigation to every node's row: median ${median(first).toFixed(0)} ms ` +
    `(${list(first)}; goal 1000 ms)`);
console.log(`bench/panel: ... and to the users counted too: median ` +
    `${median(all).toFixed(0)} ms (${list(all)})`);
await browser.close();
