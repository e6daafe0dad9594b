import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import path from 'node:path'

/** Why a file could not be written where it is named (its folder is missing or read-only), or undefined. Checked at start, not after a whole run. */
export async function unwritableFolder (file: string): Promise<string | undefined> {
  const folder = path.dirname(path.resolve(file))
  try {
    await access(folder, constants.W_OK)
    return undefined
  } catch (error) {
    return `${folder}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`
  }
}
