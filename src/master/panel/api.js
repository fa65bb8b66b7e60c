// api.js - the panel's calls to the API (/ispmgr, out=JSONdata).
//
// The session lives in an HttpOnly cookie the master set at login; every
// call sends the session's CSRF token, which the master checks, from the
// readable cookie it set beside it.  An admin acting as a user (su) sends
// su= with every call, as any API client does.

export class ApiError extends Error {
	constructor(type, object, msg) {
		super(msg);
		this.type = type;
		this.object = object;
	}

	// the panel's session is gone (expired, ended, or its token
	// refused): not an error of the call's own, such as a refused SSH
	// password
	get sessionEnded() {
		return this.type === 'auth' && (this.object === 'session' ||
		    this.object === 'csrf');
	}
}

const SU_KEY = 'hostfleet.su';

function cookie(name) {
	for (const part of document.cookie.split(';')) {
		const eq = part.indexOf('=');
		if (eq > 0 && part.slice(0, eq).trim() === name)
			return part.slice(eq + 1).trim();
	}
	return '';
}

export function actingAs() {
	return sessionStorage.getItem(SU_KEY) || '';
}

export function setActingAs(name) {
	if (name)
		sessionStorage.setItem(SU_KEY, name);
	else
		sessionStorage.removeItem(SU_KEY);
}

async function post(body, headers) {
	let r;
	try {
		r = await fetch('/ispmgr', { method: 'POST', body,
		    credentials: 'same-origin', cache: 'no-store', headers });
	} catch (e) {
		throw new ApiError('network', '', String(e.message || e));
	}
	let j;
	try {
		j = await r.json();
	} catch (e) {
		throw new ApiError('network', '', 'HTTP ' + r.status);
	}
	if (j && j.error) {
		const e = new ApiError(j.error.type || '', j.error.object || '',
		    j.error.msg || '');
		// the shell shows the login again (app.js)
		if (e.sessionEnded && headers['X-CSRF-Token'] !== undefined)
			window.dispatchEvent(new CustomEvent('hostfleet-session'));
		throw e;
	}
	return j;
}

// call(func, params): the answer's object, or throws an ApiError.  A
// parameter whose value is undefined or null is left out.
export function call(func, params = {}, opts = {}) {
	const body = new URLSearchParams();
	body.set('func', func);
	body.set('out', 'JSONdata');
	const su = actingAs();
	if (su && !opts.self)
		body.set('su', su);
	for (const [k, v] of Object.entries(params))
		if (v !== undefined && v !== null)
			body.set(k, String(v));
	return post(body, { 'X-CSRF-Token': cookie('hfcsrf') });
}

export function login(username, password) {
	const body = new URLSearchParams({ func: 'auth', out: 'JSONdata',
	    username, password });
	return post(body, { 'X-Hostfleet-Panel': '1' });
}

export function hasSession() {
	return cookie('hfcsrf') !== '';
}

// The functions' metadata, asked once per page load.
const meta = new Map();
export function describe(func) {
	if (!meta.has(func))
		meta.set(func, call('functions', { elid: func }).catch((e) => {
			meta.delete(func);
			throw e;
		}));
	return meta.get(func);
}

export function forgetMeta() {
	meta.clear();
}
