// enroll.js - adding a node over SSH (cluster.node.enroll): the form the
// schema describes, then the enrollment's steps as they run, asked again
// every second, with the output of each; a failed step can be run again
// (cluster.node.enroll.retry).
import { ApiError, call, describe } from './api.js';
import { announce, clear, h, put } from './dom.js';
import { t, tt } from './i18n.js';
import { buildForm } from './form.js';

const FUNC = 'cluster.node.enroll';
const POLL_MS = 1000;
// what the form does not ask: a removal's, and what a retry asks again
const NOT_ASKED = new Set(['force']);

function seconds(ms) {
	return (Number(ms) / 1000).toFixed(1);
}

async function enrollForm(main, meta) {
	const fields = meta.elem.filter((f) => f.spelling_of === '' &&
	    f.param === 'on' && !NOT_ASKED.has(f.name));
	const f = buildForm(FUNC, fields, {}, { editing: false,
	    lines: ['ssh_key'], submit: t('enroll.submit'),
	    extra: h('a', { href: '#/list/cluster.node' }, t('form.cancel')) });
	const submit = f.form.querySelector('button[type=submit]');
	f.form.addEventListener('submit', async (e) => {
		e.preventDefault();
		f.reset();
		submit.disabled = true;
		try {
			const a = await call(FUNC, { sok: 'ok', ...f.params() });
			announce(t('enroll.started'));
			location.hash = '#/form/' + FUNC + '?elid=' +
			    encodeURIComponent(a.id);
		} catch (ex) {
			// a connection refused is the address's
			if (ex.object === 'ssh')
				ex.object = 'addr';
			f.showError(ex);
		} finally {
			submit.disabled = false;
		}
	});
	put(main, h('h1', null, tt('fn.' + FUNC, FUNC)), h('p', null,
	    t('enroll.intro')), f.form);
}

async function enrollSteps(main, elid, meta, onStop) {
	const status = h('p.enroll-status');
	const bar = h('progress#enroll-progress', { max: 1, value: 0, 'aria-label':
	    t('enroll.progress') });
	const list = h('ol.steps', { 'aria-live': 'polite' });
	const alert = h('div.alert', { role: 'alert' });
	const retry = h('div.retry');
	put(main, h('h1', null, t('enroll.title', elid)), status, bar, alert,
	    list, retry, h('p', null, h('a', { href: '#/list/cluster.node' },
	    t('enroll.to_nodes'))));
	let timer = null, stopped = false, shownRetry = false;

	function drawRetry() {
		if (shownRetry)
			return;
		shownRetry = true;
		const fields = meta.elem.filter((f) => ['password', 'ssh_key',
		    'hostkey'].includes(f.name));
		const f = buildForm(FUNC + '.retry', fields, {}, {
		    editing: false, lines: ['ssh_key'],
		    submit: t('enroll.retry') });
		f.form.addEventListener('submit', async (e) => {
			e.preventDefault();
			f.reset();
			try {
				const a = await call(FUNC + '.retry', { elid,
				    ...f.params() });
				announce(t('enroll.retrying', a.from || ''));
				clear(retry);
				shownRetry = false;
				schedule();
			} catch (ex) {
				f.showError(ex);
			}
		});
		put(retry, h('h2', null, t('enroll.failed_title')),
		    h('p', null, t('enroll.retry_help')), f.form);
	}

	async function once() {
		const [steps, nodes] = await Promise.all([call(FUNC, { elid }),
		    call('cluster.node')]);
		const node = (nodes.elem || []).find((n) => String(n.id) ===
		    String(elid));
		const items = steps.elem || [];
		const done = items.filter((s) => s.state === 'done').length;
		bar.max = items.length || 1;
		bar.value = done;
		clear(list);
		for (const s of items) {
			const ms = s.duration_ms || (s.ended > 0 && s.started > 0 ?
			    s.ended - s.started : 0);
			put(list, h('li', { 'data-step': s.name, 'data-state':
			    s.state, class: 'step-' + s.state },
			    h('span.step-name', null, tt('step.' + s.name,
			    s.name)), ' ', h('span.state', null,
			    tt('enroll.state.' + s.state, s.state)),
			    ms > 0 ? ' ' + t('enroll.seconds', seconds(ms)) : null,
			    s.output ? h('details', null, h('summary', null,
			    t('enroll.output', tt('step.' + s.name, s.name))),
			    h('pre', { tabindex: '0' }, s.output)) : null));
		}
		status.textContent = node ? t('enroll.node', node.name,
		    tt('status.' + node.status, node.status), node.status_msg ||
		    '') : '';
		if (node)
			status.setAttribute('data-status', node.status);
		const failed = items.some((s) => s.state === 'failed');
		const running = items.some((s) => s.state === 'running' ||
		    s.state === 'waiting');
		if (failed)
			drawRetry();
		// done when no step is left and the node has settled
		return !running && (failed || (node && (node.status === 'ready' ||
		    node.status === 'error')));
	}

	function schedule() {
		clearTimeout(timer);
		timer = setTimeout(loop, POLL_MS);
	}

	async function loop() {
		if (stopped)
			return;
		try {
			if (await once())
				return;
		} catch (e) {
			if (e instanceof ApiError && e.sessionEnded)
				return;
			alert.textContent = t('enroll.read_failed', e.message);
		}
		schedule();
	}
	onStop(() => {
		stopped = true;
		clearTimeout(timer);
	});
	if (!(await once()))
		schedule();
}

export async function enrollPage(main, q, ctx, onStop) {
	const meta = await describe(FUNC);
	const elid = q.get('elid');
	if (elid)
		return enrollSteps(main, elid, meta, onStop);
	return enrollForm(main, meta);
}
