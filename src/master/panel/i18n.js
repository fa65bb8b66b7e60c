// i18n.js - every string of the panel comes from one catalogue per
// language (i18n/LANG.js); a translation is one more file here.
import en from './i18n/en.js';
import ru from './i18n/ru.js';

const catalogues = { en, ru };
const KEY = 'hostfleet.lang';

function pick() {
	const saved = localStorage.getItem(KEY);
	if (saved && catalogues[saved])
		return saved;
	const nav = (navigator.language || 'en').slice(0, 2);
	return catalogues[nav] ? nav : 'en';
}

let current = pick();

export function lang() {
	return current;
}

export function languages() {
	return Object.keys(catalogues).map((k) => [k, catalogues[k]['lang.name']]);
}

export function setLang(l) {
	if (!catalogues[l])
		return;
	current = l;
	localStorage.setItem(KEY, l);
	document.documentElement.lang = l;
}

// t(key, ...args): the string of key in the current language ({0}, {1}
// stand for the args), else in English, else fallback (args.fallback).
export function t(key, ...args) {
	let s = catalogues[current][key];
	if (s === undefined)
		s = en[key];
	if (s === undefined)
		return key;
	return s.replace(/\{(\d)\}/g, (m, i) => args[i] === undefined ? m :
	    String(args[i]));
}

// tt(key, fallback): the catalogue's string, or fallback when it has none
// (a field's label from the schema, a new type's name).
export function tt(key, fallback) {
	const s = catalogues[current][key] ?? en[key];
	return s === undefined ? fallback : s;
}
