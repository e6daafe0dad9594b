declare module 'swagger2openapi' {
  interface ConvertOptions {
    patch?: boolean
    warnOnly?: boolean
    direct?: boolean
    text?: string
    resolve?: boolean
  }
  export function convertObj (swagger: object, options: ConvertOptions): Promise<object>
}
