// form.js - a form generated from the schema: the fields `functions
// elid=FUNC` describes, with their labels, help, input types, options and
// flags.  An error the API names a field of is shown next to that field.
import { call, describe } from './api.js';
import { announce, clear, h, helpText, put } from './dom.js';
import { t, tt } from './i18n.js';
import { columnLabel } from './list.js';
import { nodeResults } from './results.js';

function options(f) {
	return f.options.split(' ').filter((o) => o !== '').map((o) =>
	    o === '""' ? '' : o);
}

function control(f, id, value, editing, describedBy, lines) {
	const attrs = { id, name: f.name, 'aria-describedby': describedBy,
	    'aria-required': f.required === 'on' && !editing ? 'true' : null,
	    disabled: editing && f.fixed === 'on' };
	if (lines)
		return h('textarea', { ...attrs, rows: 6, spellcheck: 'false',
		    autocomplete: 'off', value: value ?? '' });
	switch (f.input) {
	case 'checkbox':
		return h('input', { ...attrs, type: 'checkbox',
		    checked: value === 'on' });
	case 'select':
		return h('select', attrs, options(f).map((o) => h('option',
		    { value: o, selected: o === value }, o === '' ?
		    t('form.none') : o)));
	case 'textarea':
		return h('textarea', { ...attrs, rows: 6, value: value ?? '' });
	case 'password':
		return h('input', { ...attrs, type: 'password',
		    autocomplete: 'new-password' });
	default:
		return h('input', { ...attrs, type: 'text', value: value ?? '',
		    spellcheck: 'false' });
	}
}

function valueOf(el, f) {
	if (f.input === 'checkbox')
		return el.checked ? 'on' : 'off';
	return el.value;
}

/*
 * The fields of meta as a form: fields (metadata items) with the values
 * of shown (an answer of the function, or {}).  opts: editing (fixed
 * fields disabled, output fields shown), lines (names of fields given as
 * several lines), submit (the button's text), extra (elements before the
 * buttons).  Returns { form, alert, params(whole), showError(ex) }:
 * params() the fields' values (on a change, those changed unless whole),
 * showError() the error next to its field, or above the buttons.
 */
export function buildForm(func, fields, shown, opts) {
	const alert = h('div.alert', { role: 'alert' });
	const form = h('form.card', { 'data-func': func, novalidate: true });
	const rows = new Map();
	for (const f of fields) {
		const id = 'f-' + f.name;
		const helpId = id + '-help';
		const errId = id + '-err';
		const label = columnLabel(f);
		if (f.input === 'output') {
			put(form, h('div.field.out', null, h('span.label',
			    null, label), h('span.value', { id }, shown[f.name] ??
			    '')));
			continue;
		}
		const el = control(f, id, shown[f.name] ?? (opts.editing ? '' :
		    f.default), opts.editing, helpId + ' ' + errId,
		    (opts.lines || []).includes(f.name));
		rows.set(f.name, { f, el, err: h('p.field-error', { id: errId }),
		    orig: valueOf(el, f) });
		put(form, h('div.field', { 'data-field': f.name },
		    h('label', { for: id }, label, f.required === 'on' &&
		    !opts.editing ? h('span.req', { 'aria-hidden': 'true' },
		    ' *') : null), el, h('p.help', { id: helpId },
		    helpText(f.help)), rows.get(f.name).err));
	}
	put(form, alert, h('p.actions', null, h('button', { type: 'submit' },
	    opts.submit), ' ', opts.extra));
	function params(whole) {
		const p = {};
		for (const [name, r] of rows) {
			if (r.el.disabled)
				continue;
			const v = valueOf(r.el, r.f);
			if (opts.editing && !whole && v === r.orig)
				continue;
			if (v === '' && (!opts.editing ||
			    r.f.input === 'password'))
				continue;
			p[name] = v;
		}
		return p;
	}
	function reset() {
		alert.textContent = '';
		for (const r of rows.values()) {
			r.err.textContent = '';
			r.el.removeAttribute('aria-invalid');
		}
	}
	function showError(ex) {
		const r = rows.get(ex.object);
		if (r) {
			r.err.textContent = ex.message;
			r.el.setAttribute('aria-invalid', 'true');
			r.el.focus();
		} else
			alert.textContent = t('form.failed', ex.message);
	}
	return { form, alert, params, reset, showError };
}

export async function formPage(main, func, q, ctx) {
	const elid = q.get('elid') || undefined;
	const plid = q.get('plid') || undefined;
	const meta = await describe(func);
	const names = new Set(ctx.funcs.filter((f) => f.op === 'list')
	    .map((f) => f.name));
	// the list this form belongs to: FUNC without ".edit"
	const list = func.replace(/\.edit$/, '');
	const hasList = names.has(list);
	const single = !hasList;	// cluster.policy: a form of its own
	const editing = elid !== undefined || single;
	const shown = await call(func, elid ? { elid, plid } : (plid ?
	    { plid } : {}));
	const fields = meta.elem.filter((f) => f.spelling_of === '' &&
	    (f.param === 'on' || (editing && f.input === 'output')));
	const title = elid ? t('form.edit', tt('what.' + meta.datatype,
	    meta.what), elid) : single ? tt('fn.' + func, func) :
	    t('form.new', tt('what.' + meta.datatype, meta.what));
	const result = h('div.result', { tabindex: '-1' });
	const back = '#/list/' + list + (plid ? '?plid=' +
	    encodeURIComponent(plid) : '');
	const f = buildForm(func, fields, shown, { editing, submit: elid ||
	    single ? t('form.save') : t('form.create'), extra: hasList ?
	    h('a', { href: back }, t('form.cancel')) : null });
	const submit = f.form.querySelector('button[type=submit]');
	f.form.addEventListener('submit', async (e) => {
		e.preventDefault();
		f.reset();
		clear(result);
		// a record's change gives it whole: its edit replaces it
		const params = { sok: 'ok', elid, plid, ...f.params(!!plid) };
		submit.disabled = true;
		try {
			const a = await call(func, params);
			announce(t('form.saved'));
			const extra = Object.entries(a).filter(([k]) =>
			    k !== 'ok' && k !== 'id');
			if (meta.kind === 'system data')
				put(result, await nodeResults(func));
			if (extra.length)
				put(result, h('dl.answer', null, extra.map(([k,
				    v]) => [h('dt', null, k), h('dd', null,
				    String(v))])));
			result.prepend(h('p.ok', null, t('form.saved')));
			if (!result.querySelector('dl, table') && hasList)
				location.hash = back;
			else
				result.focus();
		} catch (ex) {
			f.showError(ex);
			if (meta.kind === 'system data' && ex.type === 'cluster')
				put(result, await nodeResults(func));
		} finally {
			submit.disabled = false;
		}
	});
	const intro = tt('intro.' + func, '');
	put(main, h('h1', null, title), intro ? h('p', null, intro) : null,
	    f.form, result);
}
