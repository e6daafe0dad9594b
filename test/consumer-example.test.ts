import t from 'tap'
import { assertCoverage, startMock } from 'understudy-mock/tap'

// The code under test: the "cancel this scheduled post" action of a PostMantis client.
async function cancelPost (api: string, postId: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${api}/api/v1/posts/${postId}/cancel`, {
    method: 'POST',
    headers: { authorization: 'Bearer my-token', ...headers }
  })
  if (res.status === 200) return 'Canceled'
  if (res.status === 429) return `Busy: try again in ${res.headers.get('retry-after') ?? 60} s`
  const problem = await res.json() as { detail: string }
  return `Not canceled: ${problem.detail}`
}

t.test('cancelPost handles every response the API documents', async (t) => {
  // strict: a response that breaks the spec fails the test (as a 500) instead of passing unnoticed.
  const { app, url } = await startMock(t, { specs: ['specs/postmantis.yaml'], fixtures: false, strict: true })
  const postId = '497f6eca-6276-4993-bfeb-53cbbbba6f08'
  const answers: Record<string, string> = {
    canceled: 'Canceled',
    invalidRequest: 'Not canceled: The request payload failed validation.',
    unauthorized: 'Not canceled: Authentication required.',
    forbidden: 'Not canceled: The authenticated API key is not allowed to perform this action.',
    notFound: 'Not canceled: Resource not found.',
    conflict: 'Not canceled: Resource is in a state that prevents this operation.',
    rateLimited: 'Busy: try again in 60 s'
  }
  for (const [scenario, shown] of Object.entries(answers)) {
    t.equal(await cancelPost(url, postId, { 'x-mock-scenario': scenario }), shown, scenario)
  }
  await assertCoverage(t, app, { atLeast: 100 })
})
