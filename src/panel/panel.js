// understudy's control panel: plain browser JavaScript over the mock's /__mock API. Every URL
// is relative to the page (/__mock/), so it works under a plugin's prefix too. Nothing the
// mock sends is written as HTML: request URLs and bodies come from any client.
'use strict'

const SESSION_COOKIE = 'mock_session'
/** The journal is polled this often while the page is visible. */
const POLL_MS = 1000
/** Rows kept in the requests table. */
const KEPT_ROWS = 200

const view = {
  operations: [],
  sets: [],
  /** The sessions as listed: id → { id, set, scenarios, stateEntries }. */
  sessions: new Map(),
  current: cookieSession() ?? 'default',
  lastRequest: 0,
  /** When the version serving was loaded (/__mock/health). */
  loadedAt: undefined,
  specs: [],
  token: sessionStorage.getItem('understudy-control-token')
}

/** A DOM element: attributes (`on…` ones are listeners) and children (strings become text). */
function el (tag, attributes = {}, ...children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value)
    else if (value === true) node.setAttribute(name, '')
    else node.setAttribute(name, String(value))
  }
  node.append(...children.filter((child) => child !== undefined && child !== null))
  return node
}

function say (text, isError = false) {
  const status = document.getElementById('status')
  status.textContent = text
  status.className = isError ? 'error' : ''
}

/** A call to the mock's API; a problem answer becomes an Error with its detail. */
async function api (method, path, body) {
  const headers = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (view.token !== null && method !== 'GET') headers.authorization = `Bearer ${view.token}`
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  if (response.status === 204) return undefined
  const answer = await response.json()
  if (!response.ok) {
    if (response.status === 401) document.getElementById('token-form').hidden = false
    throw new Error(answer.detail ?? `${method} ${path} answered ${response.status}`)
  }
  return answer
}

/** Runs a change, saying what it did (the text it returns) or what went wrong. */
async function attempt (what, change) {
  try {
    say((await change()) ?? '')
  } catch (error) {
    say(`Could not ${what}: ${error.message}`, true)
  }
}

function cookieSession () {
  const found = document.cookie.split('; ').find((pair) => pair.startsWith(`${SESSION_COOKIE}=`))
  return found === undefined ? undefined : decodeURIComponent(found.slice(SESSION_COOKIE.length + 1))
}

/** The session this browser's requests to the mock carry: the cookie, or none for default. */
function useSession (id) {
  view.current = id
  document.cookie = id === 'default'
    ? `${SESSION_COOKIE}=; path=/; max-age=0; SameSite=Lax`
    : `${SESSION_COOKIE}=${encodeURIComponent(id)}; path=/; SameSite=Lax`
  renderSession()
  renderOperations()
  applyJournalFilter()
}

function session () {
  return view.sessions.get(view.current) ?? { id: view.current, set: null, scenarios: {}, stateEntries: 0 }
}

async function loadSessions () {
  const listed = await api('GET', 'sessions?limit=1000')
  view.sessions = new Map(listed.map((entry) => [entry.id, entry]))
}

/** PUTs the session's choice with `change` applied, and keeps what the mock answers. */
async function choose (change) {
  const { set, scenarios } = { ...session(), ...change }
  const answer = await api('PUT', `sessions/${encodeURIComponent(view.current)}`, { set, scenarios })
  view.sessions.set(answer.id, { id: answer.id, set: answer.set, scenarios: answer.scenarios, stateEntries: Object.keys(answer.state).length })
  renderSession()
  renderOperations()
}

function renderSession () {
  const select = document.getElementById('session-select')
  const ids = [...new Set(['default', ...view.sessions.keys(), view.current])]
  select.replaceChildren(...ids.map((id) => el('option', { value: id, selected: id === view.current }, id)))
  document.getElementById('delete-session').disabled = view.current === 'default'
  document.getElementById('cookie-note').textContent = view.current === 'default'
    ? `This browser sends no ${SESSION_COOKIE} cookie: its requests are in default, like every request that names no session.`
    : `This page set the ${SESSION_COOKIE} cookie to ${view.current} for ${location.hostname}: your app's requests to ${location.origin} ` +
      `follow this session when it calls with credentials: 'include'. The cookie follows the host name: localhost and 127.0.0.1 are ` +
      `different hosts, so call the mock as ${location.hostname}, like this page.`
  const { set } = session()
  const radio = (name, label, description) => el('label', { class: 'choice' },
    el('input', { type: 'radio', name: 'set', value: name, checked: (set ?? '') === name, onchange: () => attempt('choose the set', () => choose({ set: name === '' ? null : name })) }),
    el('strong', {}, label), description === undefined ? undefined : el('span', { class: 'description' }, description))
  document.getElementById('sets').replaceChildren(
    el('legend', {}, 'Scenario set'),
    radio('', 'none', 'each operation answers as its scenarios below say'),
    ...view.sets.map(({ name, description }) => radio(name, name, description)))
}

/** A label after a scenario's name, spaced from it in the text too. */
function badge (text, title) {
  return [' ', el('span', { class: 'badge', title }, text)]
}

function renderOperations () {
  const { set, scenarios: chosen } = session()
  const setScenarios = view.sets.find(({ name }) => name === set)?.scenarios ?? {}
  const opened = new Set([...document.querySelectorAll('#specs details[open]')].map((node) => node.dataset.operation))
  document.getElementById('specs').replaceChildren(...view.specs.map((spec) => el('section', { class: 'spec' },
    el('h3', {}, `${spec.title ?? spec.name} `, el('span', { class: 'version' }, spec.version ?? ''), ' ',
      el('code', {}, spec.mount), ' ', el('a', { href: `docs/?urls.primaryName=${encodeURIComponent(spec.name)}` }, 'docs')),
    ...view.operations.filter((operation) => operation.spec === spec.name).map((operation) => {
      const explicit = chosen[operation.operationId]
      const fromSet = setScenarios[operation.operationId]
      const summary = explicit ?? (fromSet === undefined ? 'automatic' : `${fromSet} (set ${set})`)
      const radio = (value, ...label) => el('label', { class: 'choice' },
        el('input', {
          type: 'radio',
          name: `scenario:${operation.spec}:${operation.operationId}`,
          value,
          checked: (explicit ?? '') === value,
          onchange: () => attempt('choose the scenario', () => {
            const scenarios = { ...chosen }
            if (value === '') delete scenarios[operation.operationId]
            else scenarios[operation.operationId] = value
            return choose({ scenarios })
          })
        }), ...label)
      return el('details', { 'data-operation': operation.operationId, open: opened.has(operation.operationId) },
        el('summary', {}, el('span', { class: `method ${operation.method.toLowerCase()}` }, operation.method), ' ',
          el('code', {}, operation.path), ' ', el('span', { class: 'operation-id' }, operation.operationId), ' ',
          el('span', { class: 'chosen' }, `→ ${summary}`)),
        el('div', { class: 'scenarios' },
          radio('', el('strong', {}, 'automatic'), el('span', { class: 'description' },
            fromSet === undefined ? `default: ${operation.default ?? 'none'}` : `the set ${set} gives ${fromSet}`)),
          ...operation.scenarios.map((scenario) => radio(scenario.name,
            el('strong', {}, scenario.name), ' ', el('span', { class: `status s${String(scenario.status)[0]}` }, String(scenario.status)),
            ' ', el('span', { class: 'source' }, scenario.source),
            ...(scenario.name === operation.default ? badge('default') : []),
            ...(scenario.automatic === true ? badge('when', 'its when picks it for the requests it matches') : []),
            scenario.description === undefined ? undefined : el('span', { class: 'description' }, ` ${scenario.description}`)))))
    }))))
}

function time (iso) {
  return new Date(iso).toLocaleTimeString([], { hour12: false }) + `.${iso.slice(20, 23)}`
}

function journalRow (entry) {
  const details = {
    headers: entry.headers,
    body: entry.body,
    ...(entry.bodyTruncated ? { bodyTruncated: true } : {}),
    ...(entry.violations.length > 0 ? { violations: entry.violations } : {}),
    ...(entry.responseViolations.length > 0 ? { responseViolations: entry.responseViolations } : {}),
    ...(entry.nearMisses === undefined ? {} : { nearMisses: entry.nearMisses })
  }
  const detail = el('tr', { class: 'detail', hidden: true, 'data-session': entry.session }, el('td', { colspan: 7 }, el('pre', {}, JSON.stringify(details, null, 2))))
  const row = el('tr', { class: 'entry', 'data-session': entry.session, 'data-id': entry.id, onclick: () => { detail.hidden = !detail.hidden } },
    el('td', {}, time(entry.time)), el('td', {}, entry.session), el('td', { class: 'request' }, `${entry.method} ${entry.url}`),
    el('td', {}, entry.operationId ?? (entry.nearMisses?.length > 0 ? `none (did you mean ${entry.nearMisses[0].operationId}?)` : 'none')),
    entry.backend === undefined ? el('td', {}, entry.scenario ?? '') : el('td', { class: 'source', title: entry.backend }, 'backend'),
    el('td', { class: `status s${String(entry.status)[0]}` }, String(entry.status),
      broke('request', entry.violations), broke('answer', entry.responseViolations)),
    el('td', {}, entry.durationMs.toFixed(1)))
  return [row, detail]
}

/** A mark on a row whose request or answer breaks the spec; its messages on hover, in full in the row's detail. */
function broke (what, violations) {
  if (violations.length === 0) return undefined
  return el('span', { class: 'broke', title: violations.map(({ message }) => message).join('\n') }, ` ${what} breaks the spec (${violations.length})`)
}

async function pollJournal () {
  const entries = await api('GET', `requests?after=${view.lastRequest}`)
  if (entries.length === 0) return false
  view.lastRequest = entries[0].id
  const body = document.querySelector('#journal tbody')
  body.prepend(...entries.flatMap(journalRow))
  while (body.rows.length > KEPT_ROWS * 2) body.lastElementChild.remove()
  applyJournalFilter()
  return true
}

function applyJournalFilter () {
  const mine = document.getElementById('journal-mine').checked
  const rows = document.querySelectorAll('#journal tbody tr.entry')
  for (const row of rows) {
    const shown = !mine || row.dataset.session === view.current
    row.hidden = !shown
    if (!shown) row.nextElementSibling.hidden = true
  }
  document.getElementById('journal-empty').hidden = [...rows].some((row) => !row.hidden)
}

async function renderCoverage () {
  const report = await api('GET', 'coverage')
  const { responses, scenarios } = report
  document.getElementById('coverage-summary').textContent =
    `Served ${responses.served} of ${responses.documented} documented responses (${responses.percent}%) and ` +
    `${scenarios.served} of ${scenarios.documented} scenarios (${scenarios.percent}%), in every session.` +
    (report.neverServed.responses.length > 0 ? ' Never served:' : '')
  document.getElementById('never-served').replaceChildren(...report.neverServed.responses.map(({ operationId, status, scenarios }) =>
    el('li', {}, el('span', { class: 'operation-id' }, operationId), ` ${status}`,
      scenarios.length > 0 ? el('span', { class: 'description' }, ` (scenarios: ${scenarios.join(', ')})`) : undefined)))
}

/** The specs, operations, sets and sessions, as the version serving has them (`--watch` reloads them). */
async function loadDefinitions () {
  const [health, specs, operations, sets] = await Promise.all([api('GET', 'health'), api('GET', 'specs'), api('GET', 'operations'), api('GET', 'scenario-sets'), loadSessions()])
  Object.assign(view, { loadedAt: health.loadedAt, specs, operations, sets })
  renderSession()
  renderOperations()
}

/** After a reload: the operations and scenarios shown again, as now served. */
async function followReload () {
  const { loadedAt } = await api('GET', 'health')
  if (loadedAt === view.loadedAt) return false
  await loadDefinitions()
  say(`Specs, fixtures and sets reloaded at ${time(view.loadedAt)}.`)
  return true
}

let refreshing
/** A reload, the journal's new requests, and after them the coverage; one refresh at a time. */
function refresh () {
  refreshing ??= (async () => {
    try {
      const reloaded = await followReload()
      if (await pollJournal() || reloaded) await renderCoverage()
    } catch (error) {
      say(`The mock does not answer: ${error.message}`, true)
    } finally {
      refreshing = undefined
    }
  })()
  return refreshing
}

/** Polls while the page is visible, and at once when it is shown again. */
async function poll () {
  if (document.visibilityState === 'visible') await refresh()
  setTimeout(poll, POLL_MS)
}

function wire () {
  document.getElementById('session-select').addEventListener('change', (event) => { useSession(event.target.value) })
  document.getElementById('new-session').addEventListener('submit', (event) => {
    event.preventDefault()
    const name = document.getElementById('new-session-name').value.trim()
    attempt('create the session', async () => {
      await api('PUT', `sessions/${encodeURIComponent(name)}`, {})
      await loadSessions()
      useSession(name)
      document.getElementById('new-session-name').value = ''
    })
  })
  document.getElementById('delete-session').addEventListener('click', () => attempt('delete the session', async () => {
    await api('DELETE', `sessions/${encodeURIComponent(view.current)}`)
    view.sessions.delete(view.current)
    useSession('default')
  }))
  document.getElementById('reset-state').addEventListener('click', () => attempt('reset the state', async () => {
    await api('POST', `reset?session=${encodeURIComponent(view.current)}`)
    return `State of ${view.current} reset.`
  }))
  document.getElementById('token-form').addEventListener('submit', (event) => {
    event.preventDefault()
    view.token = document.getElementById('token').value
    sessionStorage.setItem('understudy-control-token', view.token)
    document.getElementById('token-form').hidden = true
    say('Token kept for this tab: try again.')
  })
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') refresh() })
  document.getElementById('journal-mine').addEventListener('change', applyJournalFilter)
  document.getElementById('journal-clear').addEventListener('click', () => attempt('clear the requests', async () => {
    await api('DELETE', 'requests')
    document.querySelector('#journal tbody').replaceChildren()
    applyJournalFilter()
  }))
}

async function start () {
  wire()
  say('Loading the operations…')
  try {
    await loadDefinitions()
    await pollJournal()
    await renderCoverage()
    say('')
  } catch (error) {
    say(`The mock does not answer: ${error.message}`, true)
  }
  document.body.dataset.ready = 'true'
  setTimeout(poll, POLL_MS)
}

start()
