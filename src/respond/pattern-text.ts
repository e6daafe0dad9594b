import { generateSync } from 'json-schema-faker'
import type { Rng } from './schema-faker.js'

/**
 * Text matching a `pattern`. The pattern is parsed once (cached) into a small tree of
 * literals, character sets, sequences, alternatives and repeats, which makes a string in well
 * under a microsecond; json-schema-faker re-parses the pattern and builds its context on
 * every call (20-60 µs). Patterns beyond that subset (lookarounds, back-references, `\p{…}`)
 * are left to json-schema-faker. The caller checks the text against the real RegExp.
 */
export function patternText (source: string, rng: Rng): string {
  const tree = parsedPattern(source)
  return tree === undefined ? jsfPatternText(source, rng) : generate(tree, rng)
}

/** json-schema-faker's text for a pattern (its regex generator), seeded from `rng`. */
export function jsfPatternText (source: string, rng: Rng): string {
  try {
    const value = generateSync({ type: 'string', pattern: source }, { seed: rng.u32() })
    return typeof value === 'string' ? value : ''
  } catch {
    return ''
  }
}

type Tree =
  | { kind: 'text', text: string }
  | { kind: 'set', chars: readonly string[] }
  | { kind: 'sequence', items: Tree[] }
  | { kind: 'choice', options: Tree[] }
  | { kind: 'repeat', item: Tree, min: number, max: number }

/** Unbounded repeats (`*`, `+`, `{2,}`) add at most this many. */
const EXTRA = 5
/** A character range is sampled from its first this many code points. */
const RANGE_LIMIT = 512
const range = (from: number, to: number): string => {
  let text = ''
  for (let code = from; code <= to; code++) text += String.fromCodePoint(code)
  return text
}
const PRINTABLE = range(0x20, 0x7e)
const DIGITS = '0123456789'
const WORD = `${range(0x61, 0x7a)}${range(0x41, 0x5a)}${DIGITS}_`
const SPACE = ' '
const without = (chars: string): string[] => [...PRINTABLE].filter((char) => !chars.includes(char))
const set = (chars: string): Tree => ({ kind: 'set', chars: [...chars] })

const parsed = new Map<string, Tree | undefined>()

function parsedPattern (source: string): Tree | undefined {
  if (!parsed.has(source)) {
    let tree: Tree | undefined
    try {
      const parser = new Parser(source)
      tree = parser.choice()
      if (parser.at < source.length) tree = undefined
    } catch {
      tree = undefined
    }
    parsed.set(source, tree)
  }
  return parsed.get(source)
}

class Unsupported extends Error {}

class Parser {
  at = 0
  constructor (private readonly source: string) {}

  choice (): Tree {
    const options = [this.sequence()]
    while (this.source[this.at] === '|') {
      this.at++
      options.push(this.sequence())
    }
    return options.length === 1 ? options[0]! : { kind: 'choice', options }
  }

  private sequence (): Tree {
    const items: Tree[] = []
    while (this.at < this.source.length && this.source[this.at] !== '|' && this.source[this.at] !== ')') {
      const atom = this.atom()
      items.push(this.quantified(atom))
    }
    return items.length === 1 ? items[0]! : { kind: 'sequence', items }
  }

  private quantified (item: Tree): Tree {
    const char = this.source[this.at]
    let min: number
    let max: number
    if (char === '*' || char === '+' || char === '?') {
      this.at++
      min = char === '+' ? 1 : 0
      max = char === '?' ? 1 : min + EXTRA
    } else if (char === '{') {
      const bounds = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.at))
      if (bounds === null) return item
      this.at += bounds[0].length
      min = Number(bounds[1])
      max = bounds[2] === undefined ? min : bounds[3] === '' ? min + EXTRA : Number(bounds[3])
    } else {
      return item
    }
    if (this.source[this.at] === '?') this.at++ // lazy: the same strings
    return { kind: 'repeat', item, min, max }
  }

  private atom (): Tree {
    const char = this.source[this.at++]!
    switch (char) {
      case '^': case '$': return { kind: 'text', text: '' }
      case '.': return set(PRINTABLE)
      case '[': return this.characterClass()
      case '\\': return this.escape(false)
      case '(': {
        if (this.source[this.at] === '?') {
          const kind = this.source.slice(this.at + 1, this.at + 3)
          if (kind.startsWith(':')) this.at += 2
          else if (kind.startsWith('<') && kind !== '<=' && kind !== '<!') {
            const end = this.source.indexOf('>', this.at)
            if (end === -1) throw new Unsupported('unterminated group name')
            this.at = end + 1
          } else {
            throw new Unsupported('lookaround')
          }
        }
        const inner = this.choice()
        if (this.source[this.at++] !== ')') throw new Unsupported('unbalanced')
        return inner
      }
      case ')': case '*': case '+': case '?': throw new Unsupported('misplaced')
      default: return { kind: 'text', text: char }
    }
  }

  /** `\d`, `\w`, `\s` and their negations, control and code escapes; anything else stands for itself. */
  private escape (inClass: boolean): Tree {
    const char = this.source[this.at++]
    switch (char) {
      case undefined: throw new Unsupported('trailing backslash')
      case 'd': return set(DIGITS)
      case 'w': return set(WORD)
      case 's': return set(SPACE)
      case 'D': return { kind: 'set', chars: without(DIGITS) }
      case 'W': return { kind: 'set', chars: without(WORD) }
      case 'S': return { kind: 'set', chars: without(SPACE) }
      // A word boundary usually sits where a word starts or ends anyway; the caller's check catches the rest.
      case 'b': case 'B': return { kind: 'text', text: inClass && char === 'b' ? '\b' : '' }
      case 'n': return { kind: 'text', text: '\n' }
      case 't': return { kind: 'text', text: '\t' }
      case 'r': return { kind: 'text', text: '\r' }
      case 'f': return { kind: 'text', text: '\f' }
      case 'v': return { kind: 'text', text: '\v' }
      case '0': return { kind: 'text', text: '\0' }
      case 'x': {
        const code = /^[0-9a-fA-F]{2}/.exec(this.source.slice(this.at))
        if (code === null) throw new Unsupported('\\x')
        this.at += 2
        return { kind: 'text', text: String.fromCharCode(parseInt(code[0], 16)) }
      }
      case 'u': {
        const code = /^(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{4}))/.exec(this.source.slice(this.at))
        if (code === null) throw new Unsupported('\\u')
        this.at += code[0].length
        return { kind: 'text', text: String.fromCodePoint(parseInt(code[1] ?? code[2]!, 16)) }
      }
      default:
        if (/[1-9kpPc]/.test(char)) throw new Unsupported(`\\${char}`)
        return { kind: 'text', text: char }
    }
  }

  private characterClass (): Tree {
    const negated = this.source[this.at] === '^'
    if (negated) this.at++
    let chars = ''
    let first = true
    while (this.source[this.at] !== ']' || first) {
      first = false
      if (this.at >= this.source.length) throw new Unsupported('unclosed class')
      const start = this.classAtom()
      if ([...start].length === 1 && this.source[this.at] === '-' && this.source[this.at + 1] !== ']' && this.at + 1 < this.source.length) {
        this.at++
        const end = this.classAtom()
        if ([...end].length !== 1) throw new Unsupported('range to a set')
        const from = start.codePointAt(0)!
        const to = end.codePointAt(0)!
        if (to < from) throw new Unsupported('reversed range')
        chars += range(from, Math.min(to, from + RANGE_LIMIT - 1))
      } else {
        chars += start
      }
    }
    this.at++
    const members = negated ? without(chars) : [...new Set(chars)]
    if (members.length === 0) throw new Unsupported('empty class')
    return { kind: 'set', chars: members }
  }

  /** One class member: a character, or the characters of `\d`-like escapes. */
  private classAtom (): string {
    const char = this.source[this.at]!
    if (char !== '\\') {
      const code = this.source.codePointAt(this.at)!
      this.at += code > 0xffff ? 2 : 1
      return String.fromCodePoint(code)
    }
    this.at++
    const escaped = this.escape(true)
    return escaped.kind === 'set' ? escaped.chars.join('') : escaped.kind === 'text' ? escaped.text : ''
  }
}

function generate (tree: Tree, rng: Rng): string {
  switch (tree.kind) {
    case 'text': return tree.text
    case 'set': return tree.chars[rng.int(0, tree.chars.length - 1)]!
    case 'sequence': {
      let text = ''
      for (const item of tree.items) text += generate(item, rng)
      return text
    }
    case 'choice': return generate(tree.options[rng.int(0, tree.options.length - 1)]!, rng)
    case 'repeat': {
      const count = rng.int(tree.min, Math.min(tree.max, tree.min + EXTRA))
      let text = ''
      for (let index = 0; index < count; index++) text += generate(tree.item, rng)
      return text
    }
  }
}
