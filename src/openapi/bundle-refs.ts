import $RefParser, { ResolverError, getJsonSchemaRefParserDefaultOptions, type FileInfo } from '@apidevtools/json-schema-ref-parser'
import { parseDocumentText } from './read-document.js'
import { fileOf, isInside, outsideMessage } from './ref-roots.js'

/** Inlines the other files a document's `$ref`s name (ref-parser's bundle), reading files only inside `roots`. */
export async function bundleRefs (file: string, document: Record<string, unknown>, roots: readonly string[]): Promise<Record<string, unknown>> {
  return await $RefParser.bundle(file, document, refParserOptions(roots)) as Record<string, unknown>
}

/** ref-parser's own file resolver, which `refParserOptions` wraps. */
const fileResolver = getJsonSchemaRefParserDefaultOptions().resolve.file as { order: number, canRead: (file: FileInfo) => boolean, read: (file: FileInfo) => Promise<Buffer> }

/** ref-parser's options for one load: files are read only inside `roots`. */
function refParserOptions (roots: readonly string[]): object {
  return {
    parse: REF_PARSERS,
    // Specs are local files: never fetch a $ref over the network.
    resolve: {
      http: false,
      file: {
        ...fileResolver,
        read: async (file: FileInfo) => {
          const target = fileOf(file.url)
          if (!await isInside(roots, target)) {
            // A ResolverError of its own is what ref-parser passes on with its message.
            throw new ResolverError(new Error(outsideMessage(target, roots)), target)
          }
          return await fileResolver.read(file)
        }
      }
    }
  }
}

const REF_PARSERS = {
  // One YAML library for the whole program: `yaml`, whose errors carry line numbers.
  yaml: {
    order: 200,
    canParse: ['.yaml', '.yml', '.json'],
    parse: (file: { data: Buffer | string, url: string }): unknown => parseDocumentText(file.data.toString(), fileOf(file.url))
  }
}
