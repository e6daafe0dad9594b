export interface VerifyCommandOptions {
  target: string
  /** A folder, or true for the default, or false (`--no-fixtures`). */
  fixtures: string | boolean
  only: string[] | undefined
  header: string[]
  basePath: string[]
  /** The header name, true for the default name, or undefined when not given. */
  scenarioHeader: string | true | undefined
  junit: string | undefined
  timeout: number
}

/** `understudy verify` (being written in this session). */
export async function verifyCommand (_paths: string[], _options: VerifyCommandOptions): Promise<void> {
  throw new Error('understudy verify is not built yet')
}
