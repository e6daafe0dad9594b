import { UnderstudyError, type Reporter } from '../errors.js'
import type { SchemaCompiler } from '../validate/create-schema-compiler.js'
import { toViolations } from '../validate/violations.js'
import type { ExampleSite } from './find-examples.js'

/**
 * Checks each example against its schema: one problem per violation, pointing inside the
 * example at the failing value. Returns how many examples were checked.
 */
export function checkExamples (file: string, sites: readonly ExampleSite[], compiler: SchemaCompiler, reporter: Reporter): number {
  for (const site of sites) {
    let validate
    try {
      validate = compiler.validatorAt(site.schemaPointer)
    } catch (error) {
      if (!(error instanceof UnderstudyError)) throw error
      reporter.problem(error)
      continue
    }
    if (validate(site.value)) continue
    // A component example can match one schema and not another: say which.
    const use = site.shared ? ` (schema #${site.schemaPointer})` : ''
    for (const violation of toViolations('body', validate.errors)) {
      reporter.problem(new UnderstudyError('UNDERSTUDY_EXAMPLE_INVALID', violation.message + use, { file, pointer: site.pointer + violation.path }))
    }
  }
  return sites.length
}
