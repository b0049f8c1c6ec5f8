import { HTTPException } from 'hono/http-exception';
import type { z } from 'zod';

/** A posted form read through its schema: a form we did not render gets 400, not a stack trace. */
export async function formBody<S extends z.ZodType>(
  req: { parseBody(o: { all: true }): Promise<unknown> },
  schema: S,
): Promise<z.infer<S>> {
  const parsed = schema.safeParse(await req.parseBody({ all: true }));
  if (!parsed.success) throw new HTTPException(400, { message: 'Bad Request: the form was not one of ours' });
  return parsed.data as z.infer<S>;
}
