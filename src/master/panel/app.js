// app.js - the panel's shell: login, the top bar, the menu built from
// the functions the caller may call, and the pages by URL fragment:
//   #/                    the dashboard
//   #/list/FUNC?plid=P    a list (list.js)
//   #/form/FUNC?elid=E    a form (form.js)
import { ApiError, actingAs, call, forgetMeta, hasSession, login,
    setActingAs } from './api.js';
import { dashboardPage } from './dashboard.js';
import { enrollPage } from './enroll.js';
import { announce, clear, h, put } from './dom.js';
import { formPage } from './form.js';
import { languages, lang, setLang, t, tt } from './i18n.js';
import { listPage, parentOf } from './list.js';

const app = { who: null, funcs: [], stop: null };

function main() {
	return document.getElementById('main');
}

// The lists shown in the menu: every list function but those reached
// from a row of another list (domain.record from domain) and the
// dashboard's own.
function menuLists() {
	const lists = app.funcs.filter((f) => f.op === 'list');
	const names = new Set(lists.map((f) => f.name));
	// and the forms that are not a list's (the policy)
	const listed = new Set(lists.map((f) => f.datatype));
	const forms = app.funcs.filter((f) => f.op === 'edit' &&
	    !listed.has(f.datatype));
	// and one list per data type: ISPmanager's other names of a list
	// (site for webdomain) are the same list
	const types = new Set();
	return lists.filter((f) => f.name !== 'sysinfo_stat' &&
	    !parentOf(f.name, names)).concat(forms).filter((f) => {
		const key = f.op + ' ' + f.datatype;
		if (types.has(key))
			return false;
		types.add(key);
		return true;
	});
}

function renderTop() {
	const top = clear(document.getElementById('top'));
	const langSel = h('select#lang', { on: { change: (e) => {
		setLang(e.target.value);
		renderShell();
		route();
	} } }, languages().map(([k, name]) => h('option',
	    { value: k, selected: k === lang() }, name)));
	put(top, h('span.brand', null, t('app.name')));
	if (app.who) {
		put(top, h('span.who', null, t('top.signed_in',
		    app.who.name)));
		if (actingAs())
			put(top, h('span.acting', null,
			    t('top.acting_as', actingAs())),
			    h('button#su-back', { type: 'button', on: {
				click: () => switchUser('') } },
			    t('top.su_back', app.who.name)));
	}
	put(top, h('label.lang', { for: 'lang' }, t('top.language')),
	    langSel);
	if (app.who)
		put(top, h('button#logout', { type: 'button',
		    on: { click: logout } }, t('top.logout')));
}

function renderNav() {
	const nav = clear(document.getElementById('nav'));
	if (!app.who)
		return;
	const groups = new Map([['cluster', []], ['system data', []],
	    ['user data', []]]);
	for (const f of menuLists()) {
		if (!groups.has(f.kind))
			groups.set(f.kind, []);
		groups.get(f.kind).push(f);
	}
	const ul = h('ul');
	ul.append(h('li', null, h('a', { href: '#/' }, t('nav.dashboard'))));
	for (const [kind, fs] of groups) {
		if (fs.length === 0)
			continue;
		ul.append(h('li.group', null, h('span', null,
		    tt('kind.' + kind, kind)), h('ul', null, fs.map((f) =>
		    h('li', null, h('a', { href: (f.op === 'list' ?
		    '#/list/' : '#/form/') + f.name },
		    tt('fn.' + f.name, f.name)))))));
	}
	nav.append(ul);
	markCurrent();
}

function markCurrent() {
	const here = location.hash || '#/';
	for (const a of document.querySelectorAll('#nav a')) {
		const on = here === a.getAttribute('href') ||
		    here.startsWith(a.getAttribute('href') + '?') ||
		    (here.startsWith('#/form/') && here.slice(7).startsWith(
		    a.getAttribute('href').slice(7) + '.'));
		if (on)
			a.setAttribute('aria-current', 'page');
		else
			a.removeAttribute('aria-current');
	}
}

function renderShell() {
	document.title = t('app.name');
	document.querySelector('.skip').textContent = t('top.skip');
	document.getElementById('nav').setAttribute('aria-label',
	    t('nav.label'));
	renderTop();
	renderNav();
}

async function loadSession() {
	let funcs;
	try {
		[app.who, funcs] = await Promise.all([call('whoami'),
		    call('functions')]);
	} catch (e) {
		// the user acted as is gone: back to oneself
		if (e.type === 'missing' && actingAs()) {
			setActingAs('');
			[app.who, funcs] = await Promise.all([call('whoami'),
			    call('functions')]);
		} else
			throw e;
	}
	app.funcs = funcs.elem || [];
	forgetMeta();
}

export function ctx() {
	return { who: app.who, funcs: app.funcs, acting: actingAs(), has: (name) =>
	    app.funcs.some((f) => f.name === name), su: switchUser,
	    fn: (name) => app.funcs.find((f) => f.name === name) };
}

async function switchUser(name) {
	setActingAs(name);
	try {
		await loadSession();
	} catch (e) {
		setActingAs('');
		await loadSession();
	}
	renderShell();
	location.hash = '#/';
	route();
	announce(name ? t('top.acting_as', name) : t('top.signed_in',
	    app.who.name));
}

async function logout() {
	try {
		await call('logout', {}, { self: true });
	} catch (e) {
		// the session is gone either way
	}
	setActingAs('');
	app.who = null;
	loginPage();
}

function loginPage(message) {
	stopPage();
	app.who = null;
	renderShell();
	const err = h('p#login-error.error', { role: 'alert' });
	if (message)
		err.textContent = message;
	const user = h('input#login-user', { name: 'username',
	    autocomplete: 'username', required: true });
	const pass = h('input#login-pass', { name: 'password',
	    type: 'password', autocomplete: 'current-password',
	    required: true });
	const form = h('form#login.card', { on: { submit: async (e) => {
		e.preventDefault();
		err.textContent = '';
		form.querySelector('button').disabled = true;
		try {
			await login(user.value, pass.value);
			setActingAs('');
			await loadSession();
			renderShell();
			if (location.hash !== '#/')
				location.hash = '#/';
			else
				route();
		} catch (ex) {
			err.textContent = ex.type === 'auth' ?
			    t('login.failed', ex.message) : ex.message;
			pass.value = '';
			pass.focus();
		} finally {
			form.querySelector('button').disabled = false;
		}
	} } },
	    h('h1', null, t('login.title')),
	    h('p', null, h('label', { for: 'login-user' }, t('login.user')),
	    user),
	    h('p', null, h('label', { for: 'login-pass' }, t('login.pass')),
	    pass),
	    err,
	    h('p', null, h('button', { type: 'submit' }, t('login.submit'))));
	clear(main()).append(form);
	user.focus();
}

function stopPage() {
	if (app.stop)
		app.stop();
	app.stop = null;
}

function onStop(fn) {
	app.stop = fn;
}

export async function route() {
	if (!app.who)
		return loginPage();
	stopPage();
	markCurrent();
	const frag = (location.hash || '#/').slice(1);
	const qpos = frag.indexOf('?');
	const path = qpos < 0 ? frag : frag.slice(0, qpos);
	const q = new URLSearchParams(qpos < 0 ? '' : frag.slice(qpos + 1));
	const m = main();
	clear(m);
	try {
		if (path.startsWith('/list/'))
			await listPage(m, decodeURIComponent(path.slice(6)), q,
			    ctx(), onStop);
		else if (path === '/form/cluster.node.enroll')
			// more than a form: the steps while they run
			await enrollPage(m, q, ctx(), onStop);
		else if (path.startsWith('/form/'))
			await formPage(m, decodeURIComponent(path.slice(6)), q,
			    ctx());
		else
			await dashboardPage(m, ctx(), onStop);
	} catch (e) {
		if (e instanceof ApiError && e.sessionEnded)
			return loginPage(t('login.expired'));
		put(clear(m), h('p.error', { role: 'alert' },
		    t('page.failed', e.message)));
	}
}

async function start() {
	setLang(lang());
	window.addEventListener('hashchange', route);
	window.addEventListener('hostfleet-session', () => {
		if (app.who)
			loginPage(t('login.expired'));
	});
	if (!hasSession())
		return loginPage();
	try {
		await loadSession();
	} catch (e) {
		return loginPage(e.sessionEnded ? '' : e.message);
	}
	renderShell();
	route();
}

start();
