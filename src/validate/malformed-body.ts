/** What the body parser hands on when a body does not parse: an invalid request, not a thrown error. */
export class MalformedBody {
  constructor (readonly reason: string) {}
}
