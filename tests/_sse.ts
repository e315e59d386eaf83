/** Reading Server-Sent Events in tests. */

/** One SSE frame's fields. */
export interface Frame {
  id: string;
  event: string;
  data: string;
}

/** Reads SSE frames from `reader` until `count` have come, or the stream ends. */
export async function readFrames(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  count = Infinity,
): Promise<{ frames: Frame[]; ended: boolean }> {
  const decoder = new TextDecoder();
  const frames: Frame[] = [];
  let text = "";
  while (frames.length < count) {
    const { done, value } = await reader.read();
    if (done) return { frames, ended: true };
    text += decoder.decode(value, { stream: true });
    let end;
    while ((end = text.indexOf("\n\n")) >= 0) {
      const fields = Object.fromEntries(
        text.slice(0, end).split("\n").map((line) => {
          const colon = line.indexOf(": ");
          return [line.slice(0, colon), line.slice(colon + 2)];
        }),
      );
      frames.push(fields as unknown as Frame);
      text = text.slice(end + 2);
    }
  }
  return { frames, ended: false };
}
