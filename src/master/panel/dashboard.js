// dashboard.js - the cluster at a glance, asked again every few seconds:
// each node's status, roles, load, memory, disk, services and desync
// entries, and the number of users.  A user sees their own objects and
// their usage against their limits instead.
import { ApiError, call } from './api.js';
import { clear, h, put } from './dom.js';
import { lang, t, tt } from './i18n.js';

const POLL_MS = 1500;

function pct(used, total) {
	const u = Number(used), tot = Number(total);
	return tot > 0 ? Math.round(u * 100 / tot) : 0;
}

function gib(b) {
	return (Number(b) / 1073741824).toFixed(1);
}

function meter(p, label) {
	return h('span.meter', null, h('meter', { min: 0, max: 100, value: p,
	    'aria-label': label }), ' ' + p + '%');
}

function services(s) {
	return h('ul.svc', null, (s || '').split(' ').filter(Boolean).map((x) => {
		const [name, state] = x.split(':');
		return h('li', { class: 'svc-' + (state || '') }, name + ' ' +
		    tt('svc.' + state, state || ''));
	}));
}

function nodeRow(n, desync) {
	return h('tr', { 'data-node': n.name, 'data-id': n.id },
	    h('th', { scope: 'row' }, n.name),
	    h('td', { 'data-col': 'status' }, h('span', { class: 'status ' +
	    'status-' + n.status, 'data-status': n.status }, tt('status.' + n.status, n.status))),
	    h('td', null, n.status_msg || ''),
	    h('td', null, n.roles || '—'),
	    h('td', null, n.load1 ?? ''),
	    h('td', null, n.mem_total > 0 ? meter(pct(n.mem_total -
	    n.mem_available, n.mem_total), t('dash.mem_of', n.name)) : ''),
	    h('td', null, n.disk_total > 0 ? [meter(pct(n.disk_total -
	    n.disk_free, n.disk_total), t('dash.disk_of', n.name)), ' ',
	    t('dash.gib', gib(n.disk_total - n.disk_free),
	    gib(n.disk_total))] : ''),
	    h('td', null, services(n.services)),
	    h('td', { 'data-col': 'desync' }, String(desync.get(n.id) || 0)));
}

async function adminDashboard(main, ctx, onStop) {
	const summary = h('ul.summary');
	const table = h('table.list#nodes');
	const alert = h('div.alert', { role: 'alert' });
	const stamp = h('p.stamp');
	// a wide table scrolls by itself, from the keyboard too
	put(main, h('h1', null, t('dash.title')), summary, alert,
	    h('div.scroll', { tabindex: '0', role: 'region', 'aria-label':
	    t('dash.caption') }, table), stamp);
	let timer = null, stopped = false;
	const userCount = h('li#user-count', null, t('dash.users', '…'));
	// the users are counted once, and the nodes shown without waiting
	// for it
	call('user').then((a) => {
		userCount.textContent = t('dash.users', (a.elem || []).length);
	}, () => {});

	async function once() {
		const [stats, desync] = await Promise.all([call('sysinfo_stat'),
		    call('cluster.desync')]);
		const per = new Map();
		for (const d of desync.elem || [])
			per.set(d.node, (per.get(d.node) || 0) + 1);
		const nodes = stats.elem || [];
		const count = new Map();
		for (const n of nodes)
			count.set(n.status, (count.get(n.status) || 0) + 1);
		put(clear(summary), 
		    h('li', null, t('dash.nodes', nodes.length)),
		    [...count].map(([s, k]) => h('li', { class: 'status-' + s },
		    tt('status.' + s, s) + ': ' + k)),
		    h('li', null, t('dash.desync', (desync.elem || []).length)),
		    userCount);
		const body = h('tbody');
		const frag = document.createDocumentFragment();
		for (const n of nodes)
			frag.appendChild(nodeRow(n, per));
		body.appendChild(frag);
		put(clear(table), h('caption', null, t('dash.caption')),
		    h('thead', null, h('tr', null, ['dash.node', 'dash.status',
		    'dash.why', 'dash.roles', 'dash.load', 'dash.mem',
		    'dash.disk', 'dash.services', 'dash.desync_col'].map((k) =>
		    h('th', { scope: 'col' }, t(k))))), body);
		alert.textContent = '';
		stamp.textContent = t('dash.updated',
		    new Date().toLocaleTimeString(lang()));
	}

	async function loop() {
		try {
			await once();
		} catch (e) {
			if (e instanceof ApiError && e.sessionEnded) {
				stopped = true;
				return;
			}
			alert.textContent = t('dash.failed', e.message);
		}
		if (!stopped)
			timer = setTimeout(loop, POLL_MS);
	}
	onStop(() => {
		stopped = true;
		clearTimeout(timer);
	});
	await once();
	timer = setTimeout(loop, POLL_MS);
}

const OWN = ['webdomain', 'domain', 'emaildomain', 'email'];

async function userDashboard(main, ctx) {
	const table = h('table.list#usage');
	put(main, h('h1', null, t('dash.mine', ctx.acting ||
	    ctx.who.name)), table);
	const body = h('tbody');
	let usage = null;
	if (ctx.has('user.usage'))
		usage = await call('user.usage');
	for (const f of OWN.filter((x) => ctx.has(x))) {
		// the master's count, or the list's length
		const n = usage ? usage[f + 's'] : ((await call(f)).elem ||
		    []).length;
		const lim = usage ? usage['limit_' + f + 's'] : undefined;
		body.append(h('tr', { 'data-type': f }, h('th', { scope: 'row' },
		    h('a', { href: '#/list/' + f }, tt('fn.' + f, f))),
		    h('td', { 'data-col': 'used' }, String(n)),
		    h('td', { 'data-col': 'limit' }, lim === undefined ||
		    lim === '0' ? t('dash.no_limit') : lim)));
	}
	if (usage)
		body.append(h('tr', { 'data-type': 'quota' }, h('th',
		    { scope: 'row' }, t('dash.quota')), h('td', null,
		    t('dash.mib', usage.quota_used)), h('td', null,
		    usage.limit_quota === '0' ? t('dash.no_limit') :
		    t('dash.mib', usage.limit_quota))));
	put(table, h('caption', null, t('dash.usage')), h('thead', null,
	    h('tr', null, h('th', { scope: 'col' }, t('dash.what')),
	    h('th', { scope: 'col' }, t('dash.used')),
	    h('th', { scope: 'col' }, t('dash.limit')))), body);
}

export async function dashboardPage(main, ctx, onStop) {
	if (ctx.has('sysinfo_stat') && !ctx.acting)
		return adminDashboard(main, ctx, onStop);
	return userDashboard(main, ctx);
}
