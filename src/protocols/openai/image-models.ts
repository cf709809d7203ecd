// Which models make images, and how (PROTOCOLS.md §3: images/generations).

/** Whether `model` makes images with Imagen's :predict (n at once) rather than generateContent. */
export const isImagenModel = (model: string): boolean => model.startsWith('imagen');

/**
 * The chat model that draws instead of answering (gemini-balance's name): the last user message
 * becomes an image generation on CREATE_IMAGE_MODEL, and the answer shows the images.
 */
export const imageChatModelOf = (createImageModel: string): string => `${createImageModel}-chat`;
