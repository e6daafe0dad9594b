import { formatProblemLine } from '../errors.js'
import type { CheckReport } from './run-check.js'

/**
 * The text report: one line per problem (the server's own `CODE file#pointer: message`),
 * then a summary line.
 */
export function formatCheckReport (report: CheckReport): string {
  const { specs, operations, fixtures, scenarioSets, examples } = report.checked
  const counted = [
    count(specs, 'spec'),
    count(operations, 'operation'),
    count(fixtures, 'fixture'),
    count(scenarioSets, 'scenario set'),
    count(examples, 'example')
  ].join(', ')
  const outcome = report.ok ? 'no problems' : count(report.problems.length, 'problem')
  return [...report.problems.map(formatProblemLine), `understudy check: ${counted}: ${outcome}`, ''].join('\n')
}

function count (n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
