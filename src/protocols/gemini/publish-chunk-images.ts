import type { DecodedChunk, GenerationEvent } from '../generation-event.js';
import type { GeminiInlineData } from './gemini-types.js';

/** Publishes a generated image, returning the URL the answer links to. */
export type PublishImage = (image: GeminiInlineData) => Promise<string>;

type FileEvent = Extract<GenerationEvent, { type: 'file' }>;
const isImage = (event: GenerationEvent): event is FileEvent =>
  event.type === 'file' && event.mimeType.startsWith('image/');

/**
 * The `prepare` of a surface whose answers link the images Gemini made rather than carry them: a
 * chunk with each image published (its event given the URL), or undefined for a chunk with none to
 * publish. Without a publisher, images stay inline and are said as data URLs.
 */
export function publishChunkImages(publishImage: PublishImage | undefined) {
  return (chunk: DecodedChunk): Promise<DecodedChunk> | undefined => {
    if (!publishImage || !chunk.events.some(isImage)) return undefined;
    return Promise.all(
      chunk.events.map(async (event) =>
        isImage(event) ? { ...event, url: await publishImage(event) } : event,
      ),
    ).then((events) => ({ ...chunk, events }));
  };
}
