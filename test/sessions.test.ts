import t from 'tap'
import { buildMockServer } from '../src/index.js'
const app = await buildMockServer({ specs: ['specs'], fixtures: 'fixtures' })
const show = async (o: any) => { const r = await app.inject(o); console.error(o.method, o.url, '=>', r.statusCode, r.headers['x-mock-scenario'], r.headers['content-type'], r.body.slice(0, 1500)) }
await show({ method: 'GET', url: '/__mock/operations' })
await show({ method: 'POST', url: '/studio/api/1/services/api/1/publish/stop.json?site_id=x', headers: { authorization: 'Bearer x', 'x-mock-session': 'fresh' } })
await show({ method: 'GET', url: '/__mock/sessions/fresh' })
await show({ method: 'PUT', url: '/__mock/sessions/c', payload: '{"set": ', headers: { 'content-type': 'application/json' } })
await show({ method: 'PUT', url: '/__mock/sessions/c', payload: 'set=x', headers: { 'content-type': 'text/plain' } })
await show({ method: 'PUT', url: '/__mock/sessions/c', payload: { set: null } })
await show({ method: 'POST', url: '/studio/api/1/services/api/1/publish/stop.json?site_id=x', headers: { authorization: 'Bearer x', cookie: 'mock_session=a.b' } })
await show({ method: 'POST', url: '/studio/api/1/services/api/1/publish/stop.json?site_id=x', headers: { authorization: 'Bearer x', 'x-mock-session': '' } })
await show({ method: 'DELETE', url: '/api/users/root/appliances/12/images/34/pimages/56/cancel', headers: { authorization: 'Basic dTpw', accept: 'application/json' } })
await app.close()
t.pass('x')
