import t from 'tap'
import { buildMock } from './helpers.js'
const app = await buildMock(t)
const POST = '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel'
const STOP = '/studio/api/1/services/api/1/publish/stop.json?site_id=mysite'
const show = (r: any) => console.log(r.statusCode, JSON.stringify(r.headers), r.body)
show(await app.inject({ method: 'POST', url: POST, headers: { authorization: 'Bearer x' } }))
show(await app.inject({ method: 'POST', url: '/api/v1/posts/bad/cancel', headers: { 'x-mock-validate': 'off' } }))
show(await app.inject({ method: 'POST', url: '/api/v1/posts/bad/cancel', headers: { 'x-mock-validate': 'report' } }))
show(await app.inject({ method: 'POST', url: '/api/v1/posts/bad/cancel', headers: { 'x-mock-validate': 'on' } }))
show(await app.inject({ method: 'POST', url: '/api/v1/posts/bad/cancel', headers: { } }))
show(await app.inject({ method: 'POST', url: '/api/v1/posts/bad/cancel', headers: { authorization: 'Bearer x' } }))
show(await app.inject({ method: 'POST', url: STOP, headers: { authorization: 'Bearer x' } }))
show(await app.inject({ method: 'POST', url: STOP, headers: { 'x-mock-validate': 'report', 'content-type': 'text/plain' }, payload: 'hi' }))
show(await app.inject({ method: 'POST', url: STOP, headers: { 'content-type': 'text/plain' }, payload: 'hi' }))
show(await app.inject({ method: 'POST', url: STOP, headers: { 'x-mock-delay': 'abc' } }))
