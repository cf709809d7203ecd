/** A streamed answer as a client read it: its text, and whether the response ended as HTTP ends one. */
export interface ReadStream {
  readonly text: string;
  /** False when the connection was cut before the response's end (an abnormal end). */
  readonly complete: boolean;
}

/** Reads a response body to its end, keeping what arrived when the connection is cut. */
export async function readStream(response: Response): Promise<ReadStream> {
  const reader = response.body?.getReader();
  if (!reader) return { text: '', complete: true };
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text: text + decoder.decode(), complete: true };
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return { text: text + decoder.decode(), complete: false };
  }
}
