// dom.js - building elements.  Data is only ever set as text: h() takes
// strings as text nodes, and no code of the panel has HTML parsed.

// h('tag.class#id', {attr: value, on: {click: fn}}, ...children)
export function h(spec, attrs, ...children) {
	const m = /^([a-z0-9]+)((?:[.#][A-Za-z0-9_-]+)*)$/.exec(spec);
	const el = document.createElement(m ? m[1] : spec);
	if (m && m[2])
		for (const part of m[2].match(/[.#][^.#]+/g)) {
			if (part[0] === '.')
				el.classList.add(part.slice(1));
			else
				el.id = part.slice(1);
		}
	if (attrs)
		for (const [k, v] of Object.entries(attrs)) {
			if (v === undefined || v === null || v === false)
				continue;
			if (k === 'on')
				for (const [ev, fn] of Object.entries(v))
					el.addEventListener(ev, fn);
			else if (k === 'text')
				el.textContent = v;
			else if (k === 'value' || k === 'checked' ||
			    k === 'disabled' || k === 'selected')
				el[k] = v;
			else
				el.setAttribute(k, v === true ? '' : String(v));
		}
	add(el, children);
	return el;
}

function add(el, children) {
	for (const c of children) {
		if (c === undefined || c === null || c === false)
			continue;
		if (Array.isArray(c))
			add(el, c);
		else if (c instanceof Node)
			el.appendChild(c);
		else
			el.appendChild(document.createTextNode(String(c)));
	}
}

// put(el, ...children): appends as h() does, leaving out null and false.
export function put(el, ...children) {
	add(el, children);
	return el;
}

// The help of a field as text, its `quoted` parts as code.
export function helpText(s) {
	return String(s ?? '').split('`').map((part, i) => i % 2 ?
	    h('code', null, part) : part);
}

export function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

let uniq = 0;
export function uid(prefix) {
	return prefix + '-' + (++uniq);
}

// Says msg to screen readers (the polite live region).
export function announce(msg) {
	const s = document.getElementById('status');
	if (s)
		s.textContent = msg;
}
