// results.js - what each node answered to the last change of a system
// data type: the newest entry of the query log (cluster.query) made by
// that function.
import { call } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

export async function nodeResults(func) {
	let q;
	try {
		q = ((await call('cluster.query', { limit: 10 }, { self: true }))
		    .elem || []).find((e) => e.func === func);
	} catch (e) {
		return h('p.error', null, t('results.failed', e.message));
	}
	if (!q)
		return h('p', null, t('results.none'));
	let res = {};
	try {
		res = JSON.parse(q.results || '{}');
	} catch (e) {
		// an empty table
	}
	return h('table.results', null, h('caption', null,
	    t('results.caption', q.id, q.outcome)),
	    h('thead', null, h('tr', null, h('th', { scope: 'col' },
	    t('results.node')), h('th', { scope: 'col' },
	    t('results.answer')))),
	    h('tbody', null, Object.entries(res).map(([node, r]) =>
	    h('tr', { 'data-node': node }, h('th', { scope: 'row' }, node),
	    h('td', { class: r === 'ok' ? 'ok' : 'error' }, String(r))))));
}
