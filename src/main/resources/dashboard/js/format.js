// Times and numbers as people read them. The API speaks RFC 3339 UTC; the page shows local time.

const dateTime = new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'medium'});

export function time(iso) {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

/** "3 s", "4 min 2 s", "2 h 5 min" between two RFC 3339 times (the second defaults to now). */
export function duration(fromIso, toIso) {
  if (!fromIso) return '—';
  const ms = (toIso ? new Date(toIso) : new Date()) - new Date(fromIso);
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

export function percent(progress) {
  return progress === null || progress === undefined ? '—' : Math.floor(progress * 100) + ' %';
}

export function shortId(id) {
  return id.slice(0, 8);
}

/** A datetime-local input's value (local time) as RFC 3339 UTC, or null. */
export function localInputToIso(value) {
  return value ? new Date(value).toISOString() : null;
}

/** RFC 3339 as a datetime-local input's value (local time, minutes). */
export function isoToLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = n => String(n).padStart(2, '0');
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':'
    + pad(d.getMinutes());
}
