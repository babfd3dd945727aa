// The script of the HTML report (src/report/html.rs), inline in the page. The units without
// failures are not in the page but in JSON blocks (src/report/folded.rs); this shows them
// folded, PAGE at a time ("show more"), each unit's table made when it is first opened. The
// search box hides the units with failures whose names lack the text, and shows the other
// units whose names hold it, found across every block (each parsed when first needed).
(() => {
  const PAGE = 200;
  const find = document.getElementById('find');
  const list = document.getElementById('others');
  const more = document.getElementById('more');
  const shown = document.getElementById('shown');
  const end = list.dataset.end;
  const total = Number(document.currentScript.dataset.folded);
  const blocks = [...document.querySelectorAll('script.units')];
  const parsed = [];
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const key = (u) => u.key || (u.key = `${u.l} ${u.r.map((r) => r.n).join(' ')}`.toLowerCase());

  // every folded unit in run order
  function* units() {
    for (let i = 0; i < blocks.length; i += 1) {
      if (!parsed[i]) parsed[i] = JSON.parse(blocks[i].textContent);
      yield* parsed[i];
    }
  }

  function row(r) {
    let s = `<tr><td class="mark-${r.o}">${r.o === 'passed' ? '✔' : '–'}</td><td><details><summary><b>${esc(r.m)}</b> ${esc(r.n)}`;
    if (r.k) s += `<span class="meta">skipped: ${esc(r.k)}</span>`;
    if (r.p) s += `<span class="meta">(run for <code>${esc(r.p)}</code>, which needs its captures)</span>`;
    if (r.y) s += `<span class="flaky">after ${r.y} retr${r.y === 1 ? 'y' : 'ies'}</span>`;
    s += '</summary>';
    if (r.u) s += `<div class="meta">${esc(r.u)}</div>`;
    for (const h of r.h || []) s += `<div class="hint">hint: ${esc(h)}</div>`;
    if (r.a) s += `<div class="meta">${r.a} assertion(s) held</div>`;
    if (r.q !== undefined) s += `<details><summary>request</summary><pre>${esc(r.q)}</pre></details>`;
    if (r.x !== undefined) s += `<details><summary>response</summary><pre>${esc(r.x)}</pre></details>`;
    const bar = r.b
      ? `<div class="bar" title="${r.d} ms at ${r.t} ms"><i class="${r.o}" style="left:${r.b[0]}%;width:${r.b[1]}%"></i></div>`
      : '';
    return `${s}</details></td><td>${r.s ?? ''}</td><td class="num">${r.d ?? ''}</td><td class="axis">${bar}</td></tr>`;
  }

  function table(u) {
    const head = `<tr><th class="mark"></th><th>request</th><th class="status">status</th><th class="num">ms</th><th class="axis">timeline <span class="meta">0–${end} ms</span></th></tr>`;
    return `<table>${head}${u.r.map(row).join('')}</table>`;
  }

  function folded(u) {
    const d = document.createElement('details');
    d.className = 'unit';
    const passed = u.r.filter((r) => r.o === 'passed').length;
    const skipped = u.r.length - passed;
    const tally = `${passed} passed · 0 failed${skipped ? ` · ${skipped} skipped` : ''}`;
    d.innerHTML = `<summary><h2>${esc(u.l)} <small class="meta">${esc(u.f)} · ${tally}</small></h2></summary>`;
    d.addEventListener('toggle', () => {
      if (d.open && !d.querySelector('table')) d.insertAdjacentHTML('beforeend', table(u));
    });
    return d;
  }

  let source;
  let count;
  let done;
  function next() {
    const page = document.createDocumentFragment();
    for (let n = 0; n < PAGE; n += 1) {
      const step = source.next();
      if (step.done) break;
      page.append(folded(step.value));
      done += 1;
    }
    list.append(page);
    more.hidden = done >= count;
    if (count > 0) shown.textContent = `${done.toLocaleString('en')} of ${count.toLocaleString('en')} units without failures shown`;
    else shown.textContent = find.value.trim() && total ? 'no unit without failures matches' : '';
  }
  function show(from, of) {
    source = from;
    count = of;
    done = 0;
    list.textContent = '';
    next();
  }

  function search() {
    const q = find.value.trim().toLowerCase();
    for (const u of document.querySelectorAll('details.unit[data-name]')) {
      u.hidden = q !== '' && !u.dataset.name.includes(q);
    }
    if (q === '') {
      show(units(), total);
      return;
    }
    const hits = [];
    for (const u of units()) if (key(u).includes(q)) hits.push(u);
    show(hits.values(), hits.length);
  }

  let timer;
  find.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  more.addEventListener('click', next);
  show(units(), total);
})();
