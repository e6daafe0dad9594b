export { buildMockServer, type MockServerOptions, type MockServerInfo } from './server/build-mock-server.js'
export type { OperationSummary } from './server/register-control-routes.js'
export { ERROR_CODES, UnderstudyError, type ErrorCode } from './errors.js'
export { PROBLEMS, type Problem, type ProblemKind } from './respond/problem.js'
