import { realpath, stat } from 'node:fs/promises'
import path from 'node:path'

/**
 * The folders a spec's `$ref`s may read files from: those of the specs given (a file's
 * folder, a folder itself) and any `extra` ones, as real paths, so a symlink does not
 * lead out of them either.
 */
export async function refRootsOf (paths: readonly string[], extra: readonly string[] = []): Promise<string[]> {
  const roots: string[] = []
  for (const given of paths) {
    const isFile = await stat(given).then((found) => found.isFile(), () => false)
    roots.push(await realPath(isFile ? path.dirname(given) : given))
  }
  for (const folder of extra) roots.push(await realPath(folder))
  return roots
}

/** Whether `file` (followed through symlinks when it exists) is inside one of `roots`. */
export async function isInside (roots: readonly string[], file: string): Promise<boolean> {
  return isWithin(roots, await realPath(file))
}

/** Whether the path `file` is inside one of `roots`, as written. */
export function isWithin (roots: readonly string[], file: string): boolean {
  return roots.some((root) => {
    const relative = path.relative(root, path.resolve(file))
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
  })
}

/** The file a `$ref` names from a document in `folder`: undefined for a local or a remote one. */
export function refTarget (ref: string, folder: string): string | undefined {
  const file = ref.split('#', 1)[0] ?? ''
  if (file === '') return undefined
  if (file.startsWith('file:')) return fileOf(file)
  if (/^[a-z][a-z0-9+.-]*:/i.test(file)) return undefined
  return path.resolve(folder, fileOf(file))
}

/** The path a `$ref`'s file part (or ref-parser's URL of it) names: `file://` dropped, percent-escapes decoded. */
export function fileOf (url: string): string {
  return decodeURI(url.replace(/^file:(\/\/)?/, ''))
}

/** Where a path really is (symlinks followed); as resolved when it does not exist. */
async function realPath (file: string): Promise<string> {
  return await realpath(file).catch(() => path.resolve(file))
}

/** Why a `$ref` to `target` is not followed. */
export function outsideMessage (target: string, roots: readonly string[]): string {
  return `${target} is outside the specs' folders (${roots.join(', ')}); allow its folder with --ref-root`
}
