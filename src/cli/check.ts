export interface CheckCommandOptions {
  /** A folder, or true for the default, or false (`--no-fixtures`). */
  fixtures: string | boolean
  format: 'text' | 'json'
}

/** `understudy check` (being written in this session). */
export async function check (_paths: string[], _options: CheckCommandOptions): Promise<void> {
  throw new Error('understudy check is not built yet')
}
