// panel.mjs - the web panel's flows in Debian's chromium, driven by
// playwright-core (tests/e2e/0600-panel.sh runs it against a real master
// and real nodes).
//
//   node panel.mjs flows|live
//
// Environment: PANEL_URL (https://ADDR:PORT/), ADMINPW, NET (the test's
// 127.N.0), OUT (a directory for screenshots and hand-shake files),
// CHROMIUM (default /usr/bin/chromium).  Each check prints "ok TEXT" or
// "FAIL TEXT"; the shell counts them.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const URL0 = process.env.PANEL_URL;
const ADMINPW = process.env.ADMINPW;
const NET = process.env.NET;
const OUT = process.env.OUT;
let failed = 0;

const T0 = Date.now();

// where a flow is, with its time: shown only when a run fails
function step(what) {
	console.log(`at ${((Date.now() - T0) / 1000).toFixed(1)} s: ${what}`);
}

function ok(what) {
	console.log('ok ' + what);
}

function fail(what) {
	failed++;
	console.log('FAIL ' + what);
}

function check(what, cond, detail) {
	if (cond)
		ok(what);
	else
		fail(what + (detail === undefined ? '' : ': ' + detail));
}

function eq(what, want, got) {
	check(what, want === got, `expected [${want}], got [${got}]`);
}

function sh(cmd, args) {
	try {
		return execFileSync(cmd, args, { encoding: 'utf8',
		    timeout: 20000 }).trim();
	} catch (e) {
		return (e.stdout || '').trim();
	}
}

// polls fn until it returns true, for at most s seconds
async function until(s, fn) {
	const end = Date.now() + s * 1000;
	for (;;) {
		try {
			if (await fn())
				return true;
		} catch (e) {
			// not yet
		}
		if (Date.now() > end)
			return false;
		await new Promise((r) => setTimeout(r, 200));
	}
}

// every page opened, for a screenshot of each when a flow stops
const pages = [];

async function newPage(browser, label) {
	const ctx = await browser.newContext({ ignoreHTTPSErrors: true,
	    locale: 'en-US', viewport: { width: 1280, height: 800 } });
	const page = await ctx.newPage();
	pages.push([label, page]);
	page.on('console', (m) => {
		if (/Content Security Policy|Refused to/.test(m.text()))
			fail(`${label}: a CSP violation: ${m.text()}`);
	});
	page.on('pageerror', (e) => fail(`${label}: a script error: ${e.message}`));
	page.on('dialog', (d) => {
		if (d.type() === 'confirm')
			d.accept();
		else {
			fail(`${label}: an unexpected ${d.type()} dialog: ${d.message()}`);
			d.dismiss();
		}
	});
	return page;
}

async function login(page, user, pw) {
	step(`login as ${user}`);
	await page.goto(URL0);
	await page.fill('#login-user', user);
	await page.fill('#login-pass', pw);
	await page.click('#login button[type=submit]');
	await page.waitForSelector('#logout', { timeout: 30000 });
	step(`logged in as ${user}`);
}

// The API from inside the page, as the panel calls it.
function api(page, func, params = {}, csrf = true) {
	return page.evaluate(async ([func, params, csrf]) => {
		const m = /(?:^|; )hfcsrf=([0-9a-f]+)/.exec(document.cookie);
		const body = new URLSearchParams({ func, out: 'JSONdata',
		    ...params });
		const r = await fetch('/ispmgr', { method: 'POST', body,
		    headers: csrf && m ? { 'X-CSRF-Token': m[1] } : {} });
		return r.json();
	}, [func, params, csrf]);
}

async function axe(page, name) {
	const res = await page.evaluate(async (src) => {
		if (!window.axe)
			(0, eval)(src);
		const r = await window.axe.run(document, { resultTypes:
		    ['violations'] });
		return r.violations.map((v) => ({ id: v.id, impact: v.impact,
		    nodes: v.nodes.length, help: v.help }));
	}, AXE);
	const bad = res.filter((v) => v.impact === 'serious' ||
	    v.impact === 'critical');
	check(`axe on ${name}: no serious or critical violation`,
	    bad.length === 0, JSON.stringify(bad));
}

async function shot(page, name) {
	await page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
}

async function go(page, hash, sel) {
	step(`go to #/${hash}`);
	await page.goto(URL0 + '#/' + hash);
	await page.waitForSelector(sel, { timeout: 30000 });
}

async function submitForm(page) {
	await page.click('form.card button[type=submit]');
}

// The panel's sources: no HTML made from strings, and every string from
// the catalogues, which have the same keys.
async function sources() {
	const dir = new URL('../../src/master/panel/', import.meta.url);
	const files = readdirSync(dir, { recursive: true }).filter((f) =>
	    f.endsWith('.js'));
	let used = new Set();
	for (const f of files) {
		const src = readFileSync(new URL(f, dir), 'utf8');
		const bad = /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/;
		check(`${f}: no HTML made from strings, no eval`, !bad.test(src));
		for (const m of src.matchAll(/\bt\('([a-z_.]+)'/g))
			used.add(m[1]);
	}
	// (as modules, which a .js file outside a package is not to node)
	const load = async (f) => (await import('data:text/javascript,' +
	    encodeURIComponent(readFileSync(new URL(f, dir), 'utf8')))).default;
	const en = await load('i18n/en.js');
	const ru = await load('i18n/ru.js');
	const missing = [...used].filter((k) => !(k in en));
	check('every string the code asks for is in the English catalogue',
	    missing.length === 0, missing.join(' '));
	const noRu = Object.keys(en).filter((k) => !(k in ru));
	check('the Russian catalogue has every English string',
	    noRu.length === 0, noRu.join(' '));
}

async function flows(browser) {
	await sources();
	const a = await newPage(browser, 'admin');

	// ---- login: a wrong password, its message, the right one, logout
	await a.goto(URL0);
	await axe(a, 'the login page');
	await shot(a, 'login');
	await a.fill('#login-user', 'admin');
	await a.fill('#login-pass', 'not-the-password');
	await a.click('#login button[type=submit]');
	check('a wrong password: the message shown', await until(10, async () =>
	    /invalid username or password/.test(await a.textContent(
	    '#login-error'))));
	check('a wrong password: no session cookie',
	    !(await a.context().cookies()).some((c) => c.name === 'hfpanel'));
	await a.fill('#login-pass', ADMINPW);
	await a.click('#login button[type=submit]');
	await a.waitForSelector('#nodes', { timeout: 15000 });
	ok('the right password: the dashboard');
	const cookies = await a.context().cookies();
	const sc = cookies.find((c) => c.name === 'hfpanel');
	check('the session cookie is HttpOnly, Secure, SameSite=Strict',
	    sc && sc.httpOnly && sc.secure && sc.sameSite === 'Strict',
	    JSON.stringify(sc));
	check('the session id is not readable by the scripts',
	    !(await a.evaluate(() => document.cookie)).includes('hfpanel'));
	await a.click('#logout');
	await a.waitForSelector('#login-user');
	ok('logout: the login form again');
	check('logout: the session cookie is gone',
	    !(await a.context().cookies()).some((c) => c.name === 'hfpanel'));
	// the ended session cannot be used again, cookie or not
	const r0 = await a.evaluate(async (sid) => (await fetch(
	    '/ispmgr?func=whoami&out=JSONdata&auth=' + sid)).json(), sc.value);
	eq('logout ended the session', 'auth', r0.error && r0.error.type);

	// the login again, by keyboard alone
	await a.keyboard.type('admin');
	await a.keyboard.press('Tab');
	await a.keyboard.type(ADMINPW);
	await a.keyboard.press('Enter');
	await a.waitForSelector('#nodes tbody tr[data-node="web1"]');
	ok('a login by keyboard alone');
	check('the dashboard lists the nodes with their status', await until(30,
	    async () => (await a.getAttribute('#nodes tr[data-node="web1"] .status',
	    'data-status')) === 'ready'));
	await axe(a, 'the dashboard');

	// ---- the admin creates a user; a bad field is shown next to it
	await go(a, 'list/user', 'table.list');
	await a.click('#add');
	await a.waitForSelector('#f-name');
	await a.fill('#f-name', 'Bad Name');
	await a.fill('#f-passwd', 'carol-pass-1');
	await submitForm(a);
	await a.waitForSelector('#f-name-err:not(:empty)');
	check('an error shown next to the field it names', /name/.test(
	    await a.textContent('#f-name-err')));
	eq('the field marked invalid', 'true',
	    await a.getAttribute('#f-name', 'aria-invalid'));
	await axe(a, 'a form with an error');
	await shot(a, 'user-form-error');
	await a.fill('#f-name', 'carol');
	await a.fill('#f-limit_webdomains', '3');
	await a.fill('#f-fullname', '<script>alert("x")</script> \'<img src=x onerror=alert(1)>');
	await submitForm(a);
	await a.waitForSelector('table.list tr[data-key="carol"]');
	ok('the new user in the list');
	const fn = await a.textContent('table.list tr[data-key="carol"] [data-col="fullname"]');
	eq('a full name with HTML and quotes shown as text',
	    '<script>alert("x")</script> \'<img src=x onerror=alert(1)>', fn);
	eq('no element made from it', 0, await a.locator(
	    'table.list img, table.list script').count());
	await axe(a, 'the users list');

	// ---- carol logs in and creates a site, which answers over HTTP
	const c = await newPage(browser, 'carol');
	await login(c, 'carol', 'carol-pass-1');
	check('a user sees no cluster page', (await c.locator(
	    '#nav a[href="#/list/cluster.node"]').count()) === 0);
	await axe(c, "a user's dashboard");
	await go(c, 'list/webdomain', 'table.list');
	await c.click('#add');
	await c.waitForSelector('#f-name');
	// a site named with HTML and quotes: refused, and the refusal,
	// which quotes it, shown as text
	const evil = '<b>"x"</b>\'.example.com';
	await c.fill('#f-name', evil);
	await submitForm(c);
	await c.waitForSelector('#f-name-err:not(:empty)');
	check('a site named with HTML and quotes: the error quotes it as text',
	    (await c.textContent('#f-name-err')).includes('<b>'),
	    await c.textContent('#f-name-err'));
	eq('no element made from the name', 0,
	    await c.locator('form.card b').count());
	await c.fill('#f-name', 'carol.example.com');
	await submitForm(c);
	await c.waitForSelector('table.list tr[data-key="carol.example.com"]');
	ok("the site in carol's list");
	eq('the site answers over HTTP (no index yet: 403)', '403',
	    sh('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-m',
	    '10', '-H', 'Host: carol.example.com', `http://${NET}.2/`]));
	await axe(c, 'the sites list');
	await shot(c, 'sites');

	// ---- another user sees none of it
	const made = await api(a, 'user.edit', { sok: 'ok', name: 'dave',
	    passwd: 'dave-pass-12' });
	check('dave made', made.ok !== undefined, JSON.stringify(made));
	const d = await newPage(browser, 'dave');
	await login(d, 'dave', 'dave-pass-12');
	await go(d, 'list/webdomain', 'table.list');
	eq("dave's sites: none of carol's", 0, await d.locator(
	    'table.list tr[data-key="carol.example.com"]').count());
	await d.goto(URL0 + '#/form/webdomain.edit?elid=carol.example.com');
	await d.waitForSelector('main .error, form.card', { timeout: 15000 });
	eq("carol's site in dave's form: refused, no form", 0,
	    await d.locator('form.card').count());
	await d.context().close();

	// ---- a DNS zone, a record added and removed, dig agreeing
	await go(c, 'form/domain.edit', '#f-name');
	await c.fill('#f-name', 'carol.example.com');
	await c.fill('#f-ip', `${NET}.2`);
	await submitForm(c);
	await c.waitForSelector('table.list tr[data-key="carol.example.com"]');
	await c.click('table.list tr[data-key="carol.example.com"] a[href^="#/list/domain.record"]');
	await c.waitForSelector('table.list[data-func="domain.record"]');
	await c.click('#add');
	await c.waitForSelector('#f-name');
	await c.fill('#f-name', 'shop');
	await c.selectOption('#f-rtype', 'A').catch(() => c.fill('#f-rtype', 'A'));
	await c.fill('#f-value', `${NET}.9`);
	await submitForm(c);
	const rkey = `shop.carol.example.com. A  ${NET}.9`;
	await c.waitForSelector(`table.list tr[data-key="${rkey}"]`);
	ok('the record in the list');
	eq('dig finds the record', `${NET}.9`, sh('dig', ['+short',
	    '+time=2', '+tries=1', `@${NET}.3`, 'shop.carol.example.com']));
	await axe(c, 'the records list');
	await c.check(`table.list tr[data-key="${rkey}"] td input[type=checkbox]`);
	await c.click('button[data-op="domain.record.delete"]');
	await c.waitForSelector(`table.list tr[data-key="${rkey}"]`,
	    { state: 'detached' });
	ok('the record gone from the list');
	eq('dig no longer finds it', '', sh('dig', ['+short', '+time=2',
	    '+tries=1', `@${NET}.3`, 'shop.carol.example.com']));

	// ---- a firewall rule, with each node's answer
	await go(a, 'form/firewall.edit', '#f-action');
	await a.selectOption('#f-action', 'allow');
	await a.selectOption('#f-proto', 'tcp');
	await a.fill('#f-port', '2222');
	await a.fill('#f-comment', 'from the panel');
	await submitForm(a);
	await a.waitForSelector('table.results');
	for (const n of ['web1', 'dns1'])
		eq(`the firewall rule: ${n}'s answer shown`, 'ok',
		    await a.textContent(`table.results tr[data-node="${n}"] td`));
	await axe(a, 'a system data form with the nodes\' answers');
	await shot(a, 'firewall-results');
	await go(a, 'list/firewall', 'table.list');
	await a.fill('#filter', 'from the panel');
	check('the rule in the list', (await a.textContent('table.list'))
	    .includes('from the panel'));
	await a.fill('#filter', '');
	// 56 rules: two pages
	eq('a page of 50 rows', 50, await a.locator('table.list tbody tr').count());
	check('page 1 of 2', (await a.textContent('.pager')).includes('Page 1 of 2'));
	await a.click('.pager button:text-is("Next page")');
	eq('the second page: the other 6', 6, await a.locator(
	    'table.list tbody tr').count());
	await a.click('table.list thead button.sort:text-is("Port")');
	await a.click('table.list thead button.sort:text-is("Port")');
	eq('sorted by port, highest first, across pages: page 2 ends with the lowest',
	    '2222', (await a.locator('table.list tbody td[data-col="port"]')
	    .allTextContents()).pop());
	// three rules of the second page deleted at once
	const ids = [];
	for (const row of (await a.locator('table.list tbody tr').all()).slice(0, 3)) {
		ids.push(await row.getAttribute('data-key'));
		await row.locator('td input[type=checkbox]').check();
	}
	await a.click('button[data-op="firewall.delete"]');
	await a.waitForSelector('table.results');
	check('three rules deleted at once, each node\'s answer shown',
	    (await a.textContent('table.results tr[data-node="web1"] td')) === 'ok' &&
	    (await a.textContent('table.results tr[data-node="dns1"] td')) === 'ok');
	const left = (await api(a, 'firewall')).elem.map((r) => r.id);
	check('...and gone from the master', ids.every((i) => !left.includes(i)) &&
	    left.length === 53, JSON.stringify({ ids, n: left.length }));
	await go(a, 'list/cluster.query', 'table.list');
	check("the query log shows each node's result", await until(5,
	    async () => /web1: ok/.test(await a.textContent('table.list'))));
	await axe(a, 'the query log');
	await shot(a, 'query-log');

	// ---- the nodes page: maintenance and userlocked are switches
	await go(a, 'list/cluster.node', 'table.list');
	await axe(a, 'the nodes page');
	await shot(a, 'nodes');
	const sw2 = a.locator('table.list tbody tr').filter({ hasText: 'web1' })
	    .locator('input[data-field="userlocked"]');
	await sw2.check();
	check('userlocked switched on through the panel', await until(10,
	    async () => (await api(a, 'cluster.node')).elem.find((n) =>
	    n.name === 'web1').userlocked === 'on'));
	await sw2.uncheck();
	check('and off again', await until(10, async () => (await api(a,
	    'cluster.node')).elem.find((n) => n.name === 'web1').userlocked ===
	    'off'));

	// ---- nodes added through the form (its answer, the join token,
	// shown), then two deleted at once
	for (const [n, ip] of [['spare1', 50], ['spare2', 51]]) {
		await go(a, 'form/cluster.node.edit', '#f-name');
		await a.fill('#f-name', n);
		await a.fill('#f-addr', `${NET}.${ip}`);
		await a.fill('#f-roles', 'web');
		await submitForm(a);
		await a.waitForSelector('dl.answer');
		check(`the node ${n} added: its join token shown`, /^\d+\.[0-9a-f]+\./
		    .test(await a.textContent('dl.answer dt:text-is("token") + dd')));
	}
	await shot(a, 'node-added');
	await go(a, 'list/cluster.node', 'table.list');
	for (const n of ['spare1', 'spare2'])
		await a.locator('table.list tbody tr').filter({ hasText: n })
		    .locator('td input[type=checkbox]:not([data-field])').check();
	await a.click('button[data-op="cluster.node.delete"]');
	check('two nodes deleted at once', await until(10, async () =>
	    (await a.locator('table.list tbody tr').count()) === 2));
	eq('and gone from the API', 'dns1 web1', (await api(a, 'cluster.node'))
	    .elem.map((n) => n.name).sort().join(' '));

	// ---- sorting and filtering
	await go(a, 'list/cluster.node', 'table.list tbody tr');
	await a.click('table.list thead button.sort:text-is("Name")');
	eq('sorted by name', 'dns1 web1', (await a.locator(
	    'table.list tbody th[data-col="name"]').allTextContents()).join(' '));
	await a.click('table.list thead button.sort:text-is("Name")');
	eq('and the other way', 'web1 dns1', (await a.locator(
	    'table.list tbody th[data-col="name"]').allTextContents()).join(' '));
	await a.fill('#filter', 'dns');
	eq('filtered', 'dns1', (await a.locator(
	    'table.list tbody th[data-col="name"]').allTextContents()).join(' '));

	// ---- every form and list has every field the schema gives it
	const all = (await api(a, 'functions')).elem;
	// (a zone's records are below it, a node's services below it)
	const below = (name) => name.startsWith('domain.') &&
	    name !== 'domain.edit' ? '?plid=carol.example.com' :
	    name === 'cluster.node.service' ? '?plid=1' : '';
	for (const f of all.filter((x) => x.op === 'edit' || x.op === 'list')) {
		const meta = await api(a, 'functions', { elid: f.name });
		const q = below(f.name);
		if (f.op === 'edit') {
			await go(a, 'form/' + f.name + q, 'form.card');
			// (an enrollment's form leaves out force=, which is
			// cluster.node.remove's)
			const want = meta.elem.filter((x) => x.param === 'on' &&
			    x.spelling_of === '' && x.input !== 'output' &&
			    !(f.name === 'cluster.node.enroll' && x.name ===
			    'force')).map((x) => x.name).join(' ');
			const got = (await a.locator('form.card .field[data-field]')
			    .evaluateAll((els) => els.map((e) => e.dataset.field)))
			    .join(' ');
			eq(`the form of ${f.name}: every field of the schema`, want, got);
		} else {
			await go(a, 'list/' + f.name + q, 'table.list');
			const want = meta.elem.filter((x) => x.column === 'on' &&
			    x.spelling_of === '').length;
			const got = await a.locator('table.list thead th button.sort')
			    .count();
			// a type that declares no column shows its items' members
			if (want > 0)
				eq(`the list ${f.name}: a column for every column of ` +
				    'the schema', want, got);
			else
				check(`the list ${f.name}: its items' members`, got > 0 ||
				    (await a.locator('table.list tbody tr').count()) === 1);
		}
	}

	// ---- the other pages, each checked by axe
	for (const p of ['list/cluster.desync', 'form/cluster.policy',
	    'list/scheduler', 'list/software', 'list/templates',
	    'list/whitelist', 'list/blacklist', 'list/webdomain', 'list/domain',
	    'list/emaildomain', 'list/email', 'form/cluster.node.edit',
	    'form/webdomain.edit', 'form/email.edit']) {
		await go(a, p, p.startsWith('list') ? 'table.list' : 'form.card');
		await axe(a, p);
	}

	// ---- CSRF: a change with the panel's cookie and no token is refused
	let r = await api(a, 'user.edit', { sok: 'ok', name: 'mallory',
	    passwd: 'mallory-pass-1' }, false);
	eq('a change without the CSRF token: refused', 'auth/csrf',
	    r.error && r.error.type + '/' + r.error.object);
	r = await a.evaluate(async () => (await fetch('/ispmgr', { method:
	    'POST', body: new URLSearchParams({ func: 'user.edit', out:
	    'JSONdata', sok: 'ok', name: 'mallory', passwd: 'mallory-pass-1' }),
	    headers: { 'X-CSRF-Token': '0'.repeat(64) } })).json());
	eq('a change with a wrong CSRF token: refused', 'auth/csrf',
	    r.error && r.error.type + '/' + r.error.object);
	// a form of another site posting to the master
	const evilPage = await a.context().newPage();
	await evilPage.route('https://evil.example/**', (route) => route.fulfill({
	    contentType: 'text/html', body: `<!doctype html><html lang="en">
<body><form id="f" method="post" action="${URL0}ispmgr">
<input name="func" value="user.edit"><input name="out" value="JSONdata">
<input name="sok" value="ok"><input name="name" value="mallory">
<input name="passwd" value="mallory-pass-1"></form></body></html>` }));
	await evilPage.goto('https://evil.example/');
	await Promise.all([evilPage.waitForNavigation(), evilPage.evaluate(() =>
	    document.getElementById('f').submit())]);
	const answer = await evilPage.textContent('body');
	check('a cross-site form post: refused', /"error"/.test(answer) &&
	    /"auth"/.test(answer), answer);
	await evilPage.close();
	r = await api(a, 'user');
	check('no user was made by the refused posts', !r.elem.some((u) =>
	    u.name === 'mallory'), JSON.stringify(r.elem.map((u) => u.name)));

	// ---- su to carol and back
	await go(a, 'list/user', 'table.list');
	await a.click('table.list tr[data-key="carol"] button.su');
	await a.waitForSelector('#su-back');
	check('su: acting as carol', (await a.textContent('#top'))
	    .includes('Acting as carol'));
	await a.waitForSelector('#usage');
	eq("su: carol's sites against her limit", '1 of 3', (await a.textContent(
	    '#usage tr[data-type="webdomain"] [data-col="used"]')) + ' of ' +
	    (await a.textContent('#usage tr[data-type="webdomain"] [data-col="limit"]')));
	await shot(a, 'user-dashboard');
	check("su: the user's menu, without the cluster", (await a.locator(
	    '#nav a[href="#/list/cluster.node"]').count()) === 0);
	await go(a, 'list/webdomain', 'table.list');
	check("su: carol's site in the list", await a.locator(
	    'table.list tr[data-key="carol.example.com"]').count() === 1);
	await a.click('#su-back');
	await a.waitForSelector('#nodes');
	check('back: the admin again', !(await a.textContent('#top'))
	    .includes('Acting as') && (await a.locator(
	    '#nav a[href="#/list/cluster.node"]').count()) === 1);

	await a.waitForSelector('#nodes tr[data-node="dns1"]');
	await shot(a, 'dashboard');

	// ---- the Russian catalogue
	await a.selectOption('#lang', 'ru');
	await a.waitForSelector('#logout:text("Выйти")');
	ok('the panel in Russian');
	eq('the page language follows', 'ru', await a.getAttribute('html', 'lang'));
	await axe(a, 'the dashboard in Russian');
	await shot(a, 'dashboard-ru');
	await a.selectOption('#lang', 'en');
}

async function live(browser) {
	const a = await newPage(browser, 'admin');
	await login(a, 'admin', ADMINPW);
	const st = (n) => a.getAttribute(`#nodes tr[data-node="${n}"] .status`,
	    'data-status');
	const desyncs = (n) => a.textContent(
	    `#nodes tr[data-node="${n}"] [data-col="desync"]`);
	// moves within the page, as its menu does: never a reload
	const hash = async (h, sel) => {
		await a.evaluate((x) => { location.hash = x; }, '#/' + h);
		await a.waitForSelector(sel, { timeout: 15000 });
	};
	check('dns1 ready on the dashboard', await until(30, async () =>
	    (await st('dns1')) === 'ready'));
	// a reload would lose this
	await a.evaluate(() => { window.stillHere = true; });
	writeFileSync(`${OUT}/dash-open`, '');
	check('dns1 unavailable on the dashboard, without a reload', await until(
	    60, async () => (await st('dns1')) === 'unavailable'));

	// the policy lets a change through with one node of two ready
	await hash('form/cluster.policy', '#f-min_ready_percent');
	await a.fill('#f-min_ready_percent', '0');
	await submitForm(a);
	await a.waitForSelector('.result p.ok');
	eq('the policy changed through its form', '0', (await api(a,
	    'cluster.policy')).min_ready_percent);
	await axe(a, 'the policy');
	// a firewall rule: web1 takes it, dns1 is left to the synchronizer
	await hash('form/firewall.edit', '#f-action');
	await a.selectOption('#f-action', 'deny');
	await a.selectOption('#f-proto', 'udp');
	await a.fill('#f-port', '5353');
	await submitForm(a);
	await a.waitForSelector('table.results');
	eq("web1's answer to a change while dns1 is down", 'ok',
	    await a.textContent('table.results tr[data-node="web1"] td'));
	await hash('list/cluster.desync', 'table.list');
	const id = (await api(a, 'cluster.node')).elem.find((n) =>
	    n.name === 'dns1').id;
	check('dns1 in the desync list', await until(10, async () => {
		await a.click('button:text-is("Refresh")');
		return (await a.locator(`table.list tr[data-key="${id}"]`)
		    .count()) > 0;
	}));
	await shot(a, 'desync');
	await a.locator(`table.list tr[data-key="${id}"]`).first()
	    .locator('td input[type=checkbox]').check();
	await a.click('button[data-op="cluster.desync.resync"]');
	await a.waitForSelector('.result p.ok');
	ok('resync now, on the row of the node');
	await hash('', '#nodes');
	check("the dashboard counts dns1's desync entries", await until(10,
	    async () => Number(await desyncs('dns1')) > 0));
	await shot(a, 'dashboard-unavailable');
	writeFileSync(`${OUT}/saw-unavailable`, '');
	check('dns1 ready again after its restart', await until(60, async () =>
	    (await st('dns1')) === 'ready'));
	check('and its desync entries gone', await until(30, async () =>
	    (await desyncs('dns1')) === '0'));
	check('the page was never reloaded', await a.evaluate(() =>
	    window.stillHere === true));
}

// A node added over SSH through the panel (tests/e2e/0610-panel-enroll.sh):
// ENROLL_ADDR, a machine whose root has ENROLL_PASSWORD.
async function enroll(browser) {
	const a = await newPage(browser, 'admin');
	await login(a, 'admin', ADMINPW);
	await go(a, 'list/cluster.node', 'table.list');
	await a.click('a[data-form="cluster.node.enroll"]');
	await a.waitForSelector('#f-password');
	await axe(a, 'the form to add a node over SSH');
	check('the key is asked as several lines', (await a.locator(
	    'textarea#f-ssh_key').count()) === 1);
	await a.fill('#f-name', 'm1');
	await a.fill('#f-addr', process.env.ENROLL_ADDR);
	await a.fill('#f-password', 'not the password');
	step('enroll with a wrong password');
	await submitForm(a);
	check('a wrong password: the refusal shown', await until(30, async () =>
	    /refused/.test((await a.textContent('form.card .alert')) +
	    (await a.locator('.field-error').allTextContents()).join(' '))));
	eq('...and no node made', 0, (await api(a, 'cluster.node')).elem.length);
	await a.fill('#f-password', process.env.ENROLL_PASSWORD);
	step('enroll with the password');
	await submitForm(a);
	await a.waitForSelector('ol.steps li', { timeout: 30000 });
	ok('the steps shown once the call is taken');
	await a.evaluate(() => { window.stillHere = true; });
	// the states each step was seen in, as the page changed
	const seen = new Set();
	const ready = await until(300, async () => {
		for (const li of await a.locator('ol.steps li').all())
			seen.add(await li.getAttribute('data-step') + ':' +
			    await li.getAttribute('data-state'));
		return (await a.getAttribute('.enroll-status', 'data-status')) ===
		    'ready';
	});
	check('the node ready on the page', ready);
	check('a step seen running while it ran', [...seen].some((x) =>
	    x.endsWith(':running')), [...seen].join(' '));
	eq('every step done on the page', 9, await a.locator(
	    'ol.steps li[data-state="done"]').count());
	eq('the progress full', '9', String(await a.evaluate(() =>
	    document.getElementById('enroll-progress').value)));
	await shot(a, 'enroll');
	await a.click('li[data-step="install"] summary');
	check("the install step's output", /hostfleet/.test(await a.textContent(
	    'li[data-step="install"] pre')));
	check('the page was never reloaded', await a.evaluate(() =>
	    window.stillHere === true));
	await axe(a, "an enrollment's steps");
}

const phase = process.argv[2];
// chromium itself, not the panel: a start that fails is tried once more
async function launch() {
	const opts = { executablePath: process.env.CHROMIUM ||
	    '/usr/bin/chromium', args: ['--no-sandbox'] };
	try {
		return await chromium.launch(opts);
	} catch (e) {
		step('chromium did not start, once more: ' + (e.stack || e));
		return await chromium.launch(opts);
	}
}

step('launching chromium');
const browser = await launch().catch((e) => {
	fail('chromium did not start: ' + String(e).split('\n')[0]);
	console.log(e.stack || e);
	process.exit(1);
});
step(`chromium ${browser.version()} up`);
try {
	if (phase === 'flows')
		await flows(browser);
	else if (phase === 'live')
		await live(browser);
	else if (phase === 'enroll')
		await enroll(browser);
	else
		fail('unknown phase ' + phase);
} catch (e) {
	fail('the browser flow stopped: ' + String(e).split('\n')[0]);
	console.log(e.stack || e);
	for (const [label, p] of pages) {
		await p.screenshot({ path: `${OUT}/stopped-${phase}-${label}.png`,
		    fullPage: true }).catch(() => {});
		console.log(`${label}'s page: ${p.url()}: ` + await p.textContent(
		    'main').catch(() => '?'));
	}
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
