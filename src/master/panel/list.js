// list.js - a list generated from the schema: the columns `functions
// elid=FUNC` describes, sorted, filtered and paged here; the rows' keys
// link to FUNC.edit; every action of FUNC.* that takes only elid is a
// group operation on the rows ticked; a boolean column whose field the
// edit form takes is a switch; a list below this one (domain.record below
// domain) is a link on each row.
import { ApiError, call, describe } from './api.js';
import { announce, clear, h, put } from './dom.js';
import { lang, t, tt } from './i18n.js';
import { nodeResults } from './results.js';

const PAGE = 50;

// The parameter that names a list's items when it is not id, rkey or
// name (the desync list's rows are acted on by node).
const KEYS = { 'cluster.desync': 'node' };

export function parentOf(name, names) {
	for (let i = name.lastIndexOf('.'); i > 0;
	    i = name.lastIndexOf('.', i - 1))
		if (names.has(name.slice(0, i)))
			return name.slice(0, i);
	return null;
}

export function keyOf(func, item) {
	const k = KEYS[func];
	if (k)
		return item[k];
	return item.rkey ?? item.id ?? item.name;
}

function compare(a, b) {
	const na = Number(a), nb = Number(b);
	if (a !== '' && b !== '' && !Number.isNaN(na) && !Number.isNaN(nb))
		return na - nb;
	return String(a).localeCompare(String(b));
}

// The fields that hold a time in seconds since the epoch.
const TIMES = new Set(['time', 'since', 'last_seen', 'next_try', 'usage_at',
    'token_expires', 'created']);

// A value as it is shown: a JSON object (a query's results) as lines, a
// time as the reader's local time.
export function cellValue(v, name) {
	if (TIMES.has(name) && /^[1-9][0-9]{8,10}$/.test(v ?? ''))
		return h('time', { datetime: new Date(v * 1000).toISOString() },
		    new Date(v * 1000).toLocaleString(lang()));
	if (typeof v === 'string' && v.startsWith('{')) {
		try {
			const o = JSON.parse(v);
			return h('ul.kv', null, Object.entries(o).map(([k, x]) =>
			    h('li', null, h('span.k', null, k + ': '),
			    typeof x === 'string' ? x : JSON.stringify(x))));
		} catch (e) {
			// shown as it is
		}
	}
	if (v !== null && typeof v === 'object')
		return JSON.stringify(v);
	return v ?? '';
}

export function columnLabel(f) {
	return tt('field.' + f.name, f.label || f.name);
}

export async function listPage(main, func, q, ctx, onStop) {
	const plid = q.get('plid') || undefined;
	const meta = await describe(func);
	const names = new Set(ctx.funcs.filter((f) => f.op === 'list')
	    .map((f) => f.name));
	const edit = ctx.has(func + '.edit') ? func + '.edit' : null;
	const del = ctx.has(func + '.delete') ? func + '.delete' : null;
	// an action open to more callers than the list (a user's own
	// placement or usage) is a view of one, not an operation on rows
	const level = ctx.fn(func).level;
	const actions = ctx.funcs.filter((f) => f.op === 'action' &&
	    f.name.startsWith(func + '.') && f.params === '' &&
	    f.level === level &&
	    f.name.indexOf('.', func.length + 1) < 0);
	// the lists below this one, one per data type (domain.sublist is
	// ISPmanager's other name of domain.record)
	const seen = new Set();
	const children = ctx.funcs.filter((f) => f.op === 'list' &&
	    parentOf(f.name, names) === func && !seen.has(f.datatype) &&
	    seen.add(f.datatype)).map((f) => f.name);
	// forms of their own below the list's (adding a node over SSH): a
	// button, and on each row the form of that row
	const subForms = ctx.funcs.filter((f) => f.op === 'edit' &&
	    f.name.startsWith(func + '.') && f.name !== edit &&
	    f.datatype !== ctx.fn(func).datatype &&
	    !names.has(f.name.replace(/\.edit$/, '')));
	// rows are ticked only for an operation on them
	const picking = del !== null || actions.length > 0;
	// a last column of links (lists below, row forms, su)
	const more = children.length > 0 || subForms.length > 0 ||
	    (func === 'user' && !ctx.acting && ctx.who.level === 'admin');
	const editMeta = edit ? await describe(edit) : null;
	const switchable = new Set(editMeta ? editMeta.elem.filter((f) =>
	    f.input === 'checkbox' && f.param === 'on' && f.fixed !== 'on')
	    .map((f) => f.name) : []);
	const state = { sort: null, dir: 1, filter: q.get('filter') || '',
	    page: 0, items: [], picked: new Set() };

	const title = tt('fn.' + func, func) + (plid ? ': ' + plid : '');
	const alert = h('div.alert', { role: 'alert' });
	const result = h('div.result');
	const filter = h('input#filter', { type: 'search', value:
	    state.filter, on: { input: (e) => {
		state.filter = e.target.value;
		state.page = 0;
		draw();
	} } });
	const table = h('table.list', { 'data-func': func });
	const pager = h('nav.pager', { 'aria-label': t('list.pages') });
	const tools = h('div.tools');
	const base = func.includes('.') && parentOf(func, names);
	put(main, h('h1', null, title),
	    base ? h('p', null, h('a', { href: '#/list/' + base },
	    t('list.back', tt('fn.' + base, base)))) : null,
	    h('div.bar', null, h('label', { for: 'filter' },
	    t('list.filter')), filter, tools), alert, result, table, pager);

	let columns = meta.elem.filter((f) => f.spelling_of === '' &&
	    f.column === 'on');

	async function load() {
		const a = await call(func, plid ? { plid, elid: plid } : {});
		state.items = a.elem || [];
		if (columns.length === 0 && state.items.length)
			columns = Object.keys(state.items[0]).map((name) =>
			    ({ name, label: name, input: 'text' }));
		const keys = new Set(state.items.map((i) => keyOf(func, i)));
		for (const k of [...state.picked])
			if (!keys.has(k))
				state.picked.delete(k);
		draw();
	}

	function act(fname, elids) {
		return call(fname, { elid: elids.join(', '), plid });
	}

	async function group(fname, label) {
		const elids = [...state.picked];
		if (elids.length === 0)
			return;
		if (fname === del && !window.confirm(t('list.confirm_delete',
		    elids.length)))
			return;
		alert.textContent = '';
		clear(result);
		try {
			const a = await act(fname, elids);
			announce(t('list.done', label, elids.length));
			put(result, h('p.ok', null, t('list.done', label,
			    elids.length)));
			if (a.elem)
				put(result, h('pre', { tabindex: '0' },
				    JSON.stringify(a.elem)));
			if (meta.kind === 'system data')
				put(result, await nodeResults(fname));
			state.picked.clear();
		} catch (e) {
			alert.textContent = t('list.failed', label, e.message);
		}
		await load();
	}

	async function toggle(item, field, box) {
		alert.textContent = '';
		try {
			await call(edit, { sok: 'ok', elid: keyOf(func, item),
			    plid, [field]: box.checked ? 'on' : 'off' });
			item[field] = box.checked ? 'on' : 'off';
			announce(t('list.saved'));
		} catch (e) {
			box.checked = !box.checked;
			alert.textContent = t('list.failed', field, e.message);
		}
	}

	put(tools, 
	    edit ? h('a.button#add', { href: '#/form/' + edit + (plid ?
	    '?plid=' + encodeURIComponent(plid) : '') }, t('list.add')) :
	    null,
	    subForms.map((f) => h('a.button', { href: '#/form/' + f.name,
	    'data-form': f.name }, tt('fn.' + f.name, f.name))),
	    del ? h('button.danger', { type: 'button', 'data-op': del,
	    on: { click: () => group(del, t('list.delete')) } },
	    t('list.delete')) : null,
	    actions.map((f) => h('button', { type: 'button', 'data-op':
	    f.name, on: { click: () => group(f.name, tt('fn.' + f.name,
	    f.name)) } }, tt('fn.' + f.name, f.name))),
	    h('button', { type: 'button', on: { click: load } },
	    t('list.refresh')));

	function shown() {
		const f = state.filter.toLowerCase();
		let rows = state.items;
		if (f)
			rows = rows.filter((i) => columns.some((c) =>
			    String(i[c.name] ?? '').toLowerCase().includes(f)));
		if (state.sort)
			rows = [...rows].sort((a, b) => state.dir *
			    compare(a[state.sort] ?? '', b[state.sort] ?? ''));
		return rows;
	}

	function draw() {
		const rows = shown();
		const pages = Math.max(1, Math.ceil(rows.length / PAGE));
		state.page = Math.min(state.page, pages - 1);
		const slice = rows.slice(state.page * PAGE,
		    (state.page + 1) * PAGE);
		const all = h('input', { type: 'checkbox', 'aria-label':
		    t('list.pick_all'), checked: slice.length > 0 &&
		    slice.every((i) => state.picked.has(keyOf(func, i))),
		    on: { change: (e) => {
			for (const i of slice)
				if (e.target.checked)
					state.picked.add(keyOf(func, i));
				else
					state.picked.delete(keyOf(func, i));
			draw();
		} } });
		const head = h('tr', null, picking ? h('th', { scope: 'col' },
		    all) : null,
		    columns.map((c) => h('th', { scope: 'col', 'aria-sort':
		    state.sort === c.name ? (state.dir > 0 ? 'ascending' :
		    'descending') : null }, h('button.sort', { type: 'button',
		    on: { click: () => {
			state.dir = state.sort === c.name ? -state.dir : 1;
			state.sort = c.name;
			draw();
		} } }, columnLabel(c)))),
		    more ? h('th', { scope: 'col' },
		    t('list.more')) : null);
		const body = h('tbody');
		for (const item of slice) {
			const key = keyOf(func, item);
			const pick = h('input', { type: 'checkbox', checked:
			    state.picked.has(key), 'aria-label':
			    t('list.pick', key), on: { change: (e) => {
				if (e.target.checked)
					state.picked.add(key);
				else
					state.picked.delete(key);
			} } });
			const tr = h('tr', { 'data-key': key }, picking ?
			    h('td', null, pick) : null);
			columns.forEach((c, n) => {
				const v = item[c.name];
				let cell;
				if (switchable.has(c.name) && edit) {
					const box = h('input', { type: 'checkbox',
					    role: 'switch', checked: v === 'on',
					    'aria-label': t('list.switch',
					    columnLabel(c), key),
					    'data-field': c.name });
					box.addEventListener('change', () =>
					    toggle(item, c.name, box));
					cell = box;
				} else if (n === 0 && edit)
					cell = h('a', { href: '#/form/' + edit +
					    '?elid=' + encodeURIComponent(key) +
					    (plid ? '&plid=' +
					    encodeURIComponent(plid) : '') },
					    v === '' || v === undefined ?
					    t('form.none') : cellValue(v, c.name));
				else
					cell = cellValue(v, c.name);
				tr.append(h(n === 0 ? 'th' : 'td', n === 0 ?
				    { scope: 'row', 'data-col': c.name } :
				    { 'data-col': c.name }, cell));
			});
			if (more) {
				const td = h('td');
				for (const ch of children)
					td.append(h('a', { href: '#/list/' + ch +
					    '?plid=' + encodeURIComponent(key) },
					    tt('fn.' + ch, ch)), ' ');
				for (const f of subForms)
					td.append(h('a', { href: '#/form/' + f.name +
					    '?elid=' + encodeURIComponent(key) },
					    tt('row.' + f.name, f.name)), ' ');
				if (func === 'user' && item.level === 'user')
					td.append(h('button.su', { type: 'button',
					    on: { click: () => ctx.su(key) } },
					    t('list.su', key)));
				tr.append(td);
			}
			body.append(tr);
		}
		put(clear(table), h('caption', null, t('list.caption', title,
		    rows.length)), h('thead', null, head), body);
		if (rows.length === 0)
			body.append(h('tr', null, h('td', { colspan:
			    columns.length + 2 }, t('list.empty'))));
		put(clear(pager), 
		    h('button', { type: 'button', disabled: state.page === 0,
		    on: { click: () => { state.page--; draw(); } } },
		    t('list.prev')),
		    h('span', null, t('list.page', state.page + 1, pages)),
		    h('button', { type: 'button', disabled: state.page >=
		    pages - 1, on: { click: () => { state.page++; draw(); } } },
		    t('list.next')));
	}

	try {
		await load();
	} catch (e) {
		if (e instanceof ApiError && e.sessionEnded)
			return;
		alert.textContent = t('list.failed', title, e.message);
	}
}
