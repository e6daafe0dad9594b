import { ToleratedProblems, type Reporter, type UnderstudyError } from '../errors.js'

export interface ProblemCollector {
  /** Records instead of throwing, so one run finds every problem. */
  reporter: Reporter
  /** Every problem, the tolerated ones (one per place) last. */
  problems: () => UnderstudyError[]
  warnings: string[]
}

/** A reporter that keeps every problem once (a shared component is met once per use). */
export function collectProblems (): ProblemCollector {
  const problems: UnderstudyError[] = []
  const warnings: string[] = []
  const seen = new Set<string>()
  const problem = (error: UnderstudyError): void => {
    const line = error.format()
    if (seen.has(line)) return
    seen.add(line)
    problems.push(error)
  }
  const tolerated = new ToleratedProblems()
  return {
    problems: () => [...problems, ...tolerated.list],
    warnings,
    reporter: {
      problem,
      tolerate: (error) => tolerated.add(error),
      warn: (message) => { if (!warnings.includes(message)) warnings.push(message) }
    }
  }
}
